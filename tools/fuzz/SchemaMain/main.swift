// onnxcost-schema-fuzz: runs the schema-directed fuzzer (tools/fuzz/Schema) in-process.
//   onnxcost-schema-fuzz --seed S [--first I] [--cases N] [--seconds T] [--last FILE]
//   onnxcost-schema-fuzz --seed S --case I        (replay one case, printing its graph)
// `--last FILE` records each case before it runs, so tools/fuzz/run-schema-fuzzer.sh can name the
// case that killed the process and go on after it.
import Foundation
import SchemaFuzz

var seed: UInt64 = 1, first = 0, cases = 10_000, seconds: Double? = nil, last: String? = nil, single: Int? = nil
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    let value = arguments.next() ?? ""
    switch argument {
    case "--seed": seed = UInt64(value) ?? 1
    case "--first": first = Int(value) ?? 0
    case "--cases": cases = Int(value) ?? cases
    case "--seconds": seconds = Double(value)
    case "--last": last = value
    case "--case": single = Int(value)
    default: FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8)); exit(2)
    }
}
let fuzzer = SchemaFuzzer(seed: seed)
if let single {
    let fuzzCase = fuzzer.makeCase(single)
    print("case \(single) \(fuzzCase.op):\n\(fuzzCase.model.graph)")
    let (findings, time) = fuzzer.check(fuzzCase)
    print(findings.isEmpty ? "no findings (\(time) s)" : findings.map(\.description).joined(separator: "\n"))
    exit(findings.isEmpty ? 0 : 1)
}
let summary = fuzzer.run(first..<(first + cases), deadline: seconds) { fuzzCase in
    if let last {
        let ops = fuzzCase.model.graph.nodes.map { $0.domain.isEmpty ? $0.opType : "\($0.domain)::\($0.opType)" }.joined(separator: "→")
        try? "\(seed) \(fuzzCase.index) \(ops)\n".write(toFile: last, atomically: false, encoding: .utf8)
    }
}
print("seed \(seed) cases \(summary.cases) ops \(summary.opsCovered.count) findings \(summary.findings.count) slowest \(summary.slowest.op) \(String(format: "%.3f", summary.slowest.seconds)) s")
for finding in summary.findings { print("finding: seed \(seed) \(finding)") }
exit(summary.findings.isEmpty ? 0 : 1)
