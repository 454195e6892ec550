// swift-tools-version: 6.0
import PackageDescription

/// Settings shared by every Swift target.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // Release only (docs/benchmarks.md, "Stop 19"): concrete generic types' metadata through direct
    // accessors, not demangled at run time (each first use checked its generic requirements by
    // scanning every conformance record: 3.1 M of the 23.1 M instructions of `onnxcost resnet50.onnx`);
    // no dynamic exclusivity checks (2 % of the 70B-shaped decoder). Debug builds, which the tests
    // run, keep the exclusivity checks, so an access conflict still fails a test.
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors", "-enforce-exclusivity=unchecked"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "onnxcost",
    products: [
        .executable(name: "onnxcost", targets: ["onnxcost"]),
        .library(name: "ONNXCost", targets: ["ONNXCost"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Headers only: no pkg-config, whose `-lprotobuf-c` would link the shared library.
        .systemLibrary(name: "CProtobufC", path: "Modules/CProtobufC", providers: [.apt(["libprotobuf-c-dev"]), .brew(["protobuf-c"])]),
        // The static archive (Debian's libprotobuf-c-dev ships it): the binary runs without libprotobuf-c.so.1.
        .target(
            name: "CONNX", dependencies: ["CProtobufC"], path: "Sources/CONNX",
            linkerSettings: [.unsafeFlags(["-Xlinker", "-l:libprotobuf-c.a"], .when(platforms: [.linux])),
                             .linkedLibrary("protobuf-c", .when(platforms: [.macOS]))]
        ),
        .target(name: "ONNXGraph", path: "Sources/ONNXGraph", swiftSettings: swiftSettings),
        .target(name: "ONNXLoader", dependencies: ["CONNX", "ONNXGraph"], swiftSettings: swiftSettings),
        .target(name: "ShapeInference", dependencies: ["ONNXGraph"], swiftSettings: swiftSettings),
        .target(name: "CostKernels", dependencies: ["ONNXGraph", "ShapeInference"], swiftSettings: swiftSettings),
        .target(name: "Operators", dependencies: ["ONNXGraph", "ShapeInference", "CostKernels"], swiftSettings: swiftSettings),
        .target(name: "DeviceDB", dependencies: ["ONNXGraph", "CostKernels"], swiftSettings: swiftSettings),
        .target(
            name: "Report",
            dependencies: ["ONNXGraph", "ShapeInference", "CostKernels", "DeviceDB"],
            swiftSettings: swiftSettings
        ),
        /// The library facade: `import ONNXCost` gives load → shapes → costs → roofline → report.
        .target(
            name: "ONNXCost",
            dependencies: ["ONNXGraph", "ONNXLoader", "ShapeInference", "CostKernels", "Operators", "DeviceDB", "Report"],
            swiftSettings: swiftSettings
        ),
        /// Every command (analyze, shapes, scan, check, diff, devices): a library, so tests drive it in process.
        .target(
            name: "OnnxCostCLI",
            dependencies: ["ONNXCost", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        /// The thin executable: `OnnxCost.main()`.
        .executableTarget(
            name: "onnxcost", dependencies: ["OnnxCostCLI"], swiftSettings: swiftSettings,
            // A position-dependent executable: the loader has no 82,000 relative relocations to apply,
            // so no data page is written before it is used (a fifth of start-up's page faults,
            // docs/benchmarks.md "Stop 19"). The cost: no address randomization of the executable itself.
            linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie"], .when(platforms: [.linux], configuration: .release))]
        ),
        /// The loader alone: the graph model it builds from files.
        /// (and the CONNX arena's own tests: the one C data structure with a contract of its own).
        .testTarget(name: "ONNXLoaderTests", dependencies: ["CONNX", "ONNXGraph", "ONNXLoader"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        /// Shape propagation below the facade: the loader reads fixtures, the registry supplies the rules.
        .testTarget(
            name: "ShapeInferenceTests", dependencies: ["ONNXGraph", "ONNXLoader", "ShapeInference", "Operators"],
            swiftSettings: swiftSettings
        ),
        /// The operators layer: each family's shape and cost rules, the registry, the generated doc table (no facade).
        .testTarget(
            name: "OperatorsTests", dependencies: ["ONNXGraph", "ShapeInference", "CostKernels", "Operators"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        /// The cost layer's values (byte accounting, fusion plan), below the facade.
        .testTarget(
            name: "CostKernelsTests", dependencies: ["ONNXGraph", "ShapeInference", "CostKernels", "Operators"],
            swiftSettings: swiftSettings
        ),
        /// The device layer's values (roofline arithmetic, the table, published measurements), below the facade.
        .testTarget(
            name: "DeviceDBTests", dependencies: ["ONNXGraph", "ONNXLoader", "ShapeInference", "CostKernels", "Operators", "DeviceDB"],
            swiftSettings: swiftSettings
        ),
        /// The report layer: renderers on analyses built below the facade.
        .testTarget(
            name: "ReportTests",
            dependencies: ["ONNXGraph", "ONNXLoader", "ShapeInference", "CostKernels", "Operators", "DeviceDB", "Report"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "onnxcostTests", dependencies: ["ONNXCost", "OnnxCostCLI", "SchemaFuzz"], exclude: ["Regressions", "Golden", "Fixtures"],
                    swiftSettings: swiftSettings),
        /// Schema-directed fuzzer (tools/fuzz/run-schema-fuzzer.sh): small graphs with extreme values
        /// for every registered op; a bounded run is part of the tests.
        .target(name: "SchemaFuzz", dependencies: ["ONNXCost"], path: "tools/fuzz/Schema", swiftSettings: swiftSettings),
        .executableTarget(name: "onnxcost-schema-fuzz", dependencies: ["SchemaFuzz"], path: "tools/fuzz/SchemaMain", swiftSettings: swiftSettings),
        /// libFuzzer target over the whole pipeline (tools/fuzz/run-analysis-fuzzer.sh); a replay tool otherwise.
        .executableTarget(name: "onnxcost-fuzz", dependencies: ["ONNXCost"], path: "tools/fuzz/Analysis", swiftSettings: swiftSettings),
        .executableTarget(name: "onnxcost-bench", dependencies: ["ONNXCost"], path: "tools/bench/Sources", swiftSettings: swiftSettings),
        /// Rewrites the generated per-operator table of docs/cost-model.md from `OpRegistry.builtin`.
        .executableTarget(name: "onnxcost-docs", dependencies: ["Operators"], path: "tools/docs/CostModel", swiftSettings: swiftSettings),
    ]
)
