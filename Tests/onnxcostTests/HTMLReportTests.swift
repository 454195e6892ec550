import Foundation
import ONNXCost
import Testing

/// `--format html`: the page a browser draws, checked in headless Chromium (tools/test installs it).
@Suite struct HTMLReportTests {
    /// The Chromium on PATH, if any.
    static let chromium: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for folder in path.split(separator: ":") {
                let candidate = "\(folder)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    /// Without Chromium the test is skipped, except on CI (CI=true), where it runs and fails.
    static let runs = chromium != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    /// The DOM after Chromium ran the page's script.
    static func dumpDOM(_ html: String) throws -> String {
        let chromium = try #require(Self.chromium, "Chromium is not installed (tools/test installs it; CI=true requires it)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("onnxcost-html-\(getpid())-\(UUID().uuidString).html")
        try Data(html.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("onnxcost-chromium-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let (status, dom) = try Spawn.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)", "--dump-dom", file.absoluteString])
        #expect(status == 0)
        return dom
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    /// MobileNetV2 with --no-fusion on two devices: every node is its own kernel, so the roofline has
    /// one point per node and device. The node count is the onnx package's (Fixtures/expected).
    @Test(.enabled(if: runs, "needs Chromium (tools/test installs it)"))
    func chartsAndTablesInChromium() throws {
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: CLI.root.appendingPathComponent("Fixtures/expected/mobilenet_v2.json"))) as? [String: Any]
        let nodes = try #require(expected?["node_count"] as? Int)
        let result = try CLI.run([CLI.root.appendingPathComponent("Fixtures/models/mobilenet_v2.onnx").path, "--format", "html", "--no-fusion",
                                  "--device", "t4", "--device", "a100"])
        #expect(result.status == 0, "\(result.stderr)")
        let dom = try Self.dumpDOM(result.stdout)
        #expect(Self.count("<circle class=\"point", in: dom) == 2 * nodes)
        #expect(Self.count("data-device=\"0\"", in: dom) == nodes)
        #expect(Self.count("data-device=\"1\"", in: dom) == nodes)
        #expect(Self.count("class=\"roof\"", in: dom) == 2)
        // The memory chart: one area over the schedule and one peak marker.
        #expect(Self.count("class=\"live\"", in: dom) == 1)
        #expect(Self.count("<circle class=\"peak\"", in: dom) == 1)
        #expect(Self.count("<rect class=\"bar\"", in: dom) > 0)
        // The script ran: it marks each sortable table once it has wired its headers.
        #expect(Self.count("<table class=\"sortable\"", in: dom) == 3)
        #expect(Self.count("data-sortable=\"ready\"", in: dom) == 3)
        // The node table has a row per node (its header row aside).
        let nodeTable = try #require(dom.range(of: "id=\"node-table\"").map { String(dom[$0.upperBound...]) })
        let body = try #require(nodeTable.components(separatedBy: "</table>").first)
        #expect(Self.count("<tr>", in: body) == nodes + 1)
    }

    /// Without a device the roofline says what it needs, and the bars show FLOPs.
    @Test(.enabled(if: runs, "needs Chromium (tools/test installs it)"))
    func withoutDeviceInChromium() throws {
        let result = try CLI.run([CLI.root.appendingPathComponent("Fixtures/models/mlp_small.onnx").path, "--format", "html"])
        #expect(result.status == 0)
        let dom = try Self.dumpDOM(result.stdout)
        #expect(Self.count("<circle class=\"point", in: dom) == 0)
        #expect(dom.contains("The roofline needs a device"))
        // Gemm and Relu do FLOPs: two bars (the fixture's source: Gemm → Relu → Gemm).
        #expect(Self.count("<rect class=\"bar\"", in: dom) == 2)
        #expect(Self.count("data-sortable=\"ready\"", in: dom) == 2)
        #expect(Self.count("<circle class=\"peak\"", in: dom) == 1)
    }

    /// The memory chart's series, by hand from the fixture's tensors at batch 1 (float32: input 400 B,
    /// fc1 out 200 B, relu out 200 B, output 40 B; a tensor lives from its producer to its last
    /// consumer): Gemm holds input + fc1 out, Relu fc1 out + relu out, Gemm relu out + output.
    @Test func liveBytesOverTheSchedule() throws {
        let loaded = try ModelLoader.load(path: CLI.root.appendingPathComponent("Fixtures/models/mlp_small.onnx").path)
        var options = AnalysisOptions()
        options.shapes.dimBindings["batch"] = 1
        let report = Analyzer.analyze(loaded: loaded, options: options)
        #expect(report.costs.liveActivationBytes == [600, 400, 240])
        #expect(report.costs.totals.peakActivationBytes == 600)
        let html = HTMLRenderer.render(report)
        #expect(html.contains(">peak 600 B at node 0 "))
        // Unbound, the series is symbolic and is drawn at batch=1, saying so.
        let symbolic = Analyzer.analyze(loaded: loaded)
        #expect(symbolic.costs.liveActivationBytes.map { $0.evaluated(["batch": 3]) } == [1800, 1200, 720])
        #expect(HTMLRenderer.render(symbolic).contains("Symbolic sizes drawn at batch=1"))
    }

    /// Names from the model are untrusted: every one is escaped, and the page has only its own script.
    @Test func modelStringsAreEscaped() throws {
        typealias P = ONNXProto
        let hostile = "<script>alert('x')</script>&\"<img src=x onerror=alert(1)>"
        let bytes = Samples.model(
            nodes: [P.node("Relu", inputs: [hostile], outputs: ["y"], name: hostile)],
            inputs: [P.valueInfo(hostile, shape: [1, .param(hostile)])],
            outputs: [P.valueInfo("y", shape: nil)])
        let loaded = try ModelLoader.load(bytes: bytes, path: "dir/<b>evil</b>.onnx")
        let report = Analyzer.analyze(loaded: loaded, options: AnalysisOptions(devices: ["t4"]),
                                      devices: try Analyzer.catalog(devicesFile: nil).devices(named: ["t4"]))
        let html = HTMLRenderer.render(report)
        #expect(Self.count("<script", in: html) == 1)
        // Nothing may be fetched: the page's policy allows only its own inline style and script.
        #expect(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\""))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") })
        #expect(!html.contains("https://"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>evil"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;&lt;img src=x onerror=alert(1)&gt;"))
    }
}
