import Foundation

/// Paths of committed fixtures, found from this source file (tests never need the network or Python).
enum Paths {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let unitFixtures = repositoryRoot.appendingPathComponent("Tests/ONNXLoaderTests/Fixtures")

    static func unit(_ name: String) -> String { unitFixtures.appendingPathComponent(name).path }

    /// The expected values `tools/fixtures/make_unit_models.py` recorded from the onnx Python package.
    nonisolated(unsafe) static let expected: [String: Any] = {
        let data = (try? Data(contentsOf: unitFixtures.appendingPathComponent("expected_unit.json"))) ?? Data()
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }()

    static func expected(_ file: String) -> [String: Any] { expected[file] as? [String: Any] ?? [:] }
}
