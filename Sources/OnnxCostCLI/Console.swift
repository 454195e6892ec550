import Foundation

/// Where a command's output goes: stdout and stderr of the process by default, buffers in tests
/// (`OnnxCost.run(arguments:console:)`). Bound per task, so tests run commands in parallel.
public struct Console: Sendable {
    public var writeOut: @Sendable (String) -> Void
    public var writeError: @Sendable (String) -> Void
    /// Whether stdout is a terminal (colour with `--color auto`).
    public var stdoutIsTerminal: Bool
    /// The environment variables the commands read (`NO_COLOR`).
    public var environment: [String: String]

    public init(writeOut: @escaping @Sendable (String) -> Void, writeError: @escaping @Sendable (String) -> Void,
                stdoutIsTerminal: Bool = false, environment: [String: String] = [:]) {
        self.writeOut = writeOut
        self.writeError = writeError
        self.stdoutIsTerminal = stdoutIsTerminal
        self.environment = environment
    }

    /// The process's stdout and stderr.
    public static let standard = Console(
        writeOut: { Console.writeAll($0, to: STDOUT_FILENO) },
        writeError: { Console.writeAll($0, to: STDERR_FILENO) },
        stdoutIsTerminal: isatty(STDOUT_FILENO) == 1,
        environment: Console.readEnvironment())

    /// Writes all of `text` to the file descriptor, straight to the system (no FileHandle to set up at
    /// start-up, and no trap when the reader has gone: what cannot be written is dropped).
    static func writeAll(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count, let base = bytes.baseAddress {
                let written = write(descriptor, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    /// The variables of `environment` from the process: read one by one, not the whole environment
    /// copied into a dictionary (`ProcessInfo.environment`), which is a measurable part of start-up.
    static func readEnvironment() -> [String: String] {
        var environment: [String: String] = [:]
        for name in ["NO_COLOR"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return environment
    }

    /// The console commands write to: the task's, or the process's.
    @TaskLocal public static var current: Console = .standard

    /// A console that keeps what is written, for tests.
    public static func capturing(stdoutIsTerminal: Bool = false, environment: [String: String] = [:]) -> (Console, Capture) {
        let capture = Capture()
        return (Console(writeOut: { capture.append(out: $0) }, writeError: { capture.append(error: $0) },
                        stdoutIsTerminal: stdoutIsTerminal, environment: environment), capture)
    }

    /// What a capturing console received.
    public final class Capture: @unchecked Sendable {
        private let lock = NSLock()
        private var out = ""
        private var error = ""

        func append(out text: String) { lock.lock(); out += text; lock.unlock() }
        func append(error text: String) { lock.lock(); error += text; lock.unlock() }
        public var stdout: String { lock.lock(); defer { lock.unlock() }; return out }
        public var stderr: String { lock.lock(); defer { lock.unlock() }; return error }
    }
}
