#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One whole process, timed from `posix_spawn` to `wait4`.
struct ProcessSample: Sendable {
    var wall: Double
    var user: Double
    var sys: Double
    /// `ru_maxrss` of this child alone (wait4), in bytes.
    var maxRSS: Int
    var exitCode: Int32
    var stderrTail: String

    var cpu: Double { user + sys }
}

enum SpawnError: Error, CustomStringConvertible {
    case spawn(String, Int32)
    case wait(Int32)
    case launcher(String)

    var description: String {
        switch self {
        case .spawn(let path, let code): "posix_spawn \(path): \(String(cString: strerror(code)))"
        case .wait(let code): "wait4: \(String(cString: strerror(code)))"
        case .launcher(let message): "bench-launch failed: \(message)"
        }
    }
}

enum Clock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

enum Spawner {
    /// Runs `argv` (looked up on PATH) with stdout to `stdoutPath` and stderr to a scratch file,
    /// and returns its wall time and its own rusage.
    static func run(_ argv: [String], stdoutPath: String = "/dev/null", scratch: String) throws -> ProcessSample {
        let stderrPath = scratch + "/stderr.txt"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] =
            ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in cArgs { free(pointer) }
            for pointer in cEnv { free(pointer) }
        }

        var pid: pid_t = 0
        let start = Clock.now()
        let code = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, cEnv)
        guard code == 0 else { throw SpawnError.spawn(argv[0], code) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw SpawnError.wait(errno) }
        }
        let wall = Clock.now() - start

        let signalled = status & 0x7f
        let exitCode = signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
        let stderrText = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return ProcessSample(
            wall: wall,
            user: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
            sys: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
            maxRSS: Int(usage.ru_maxrss) * 1024,
            exitCode: exitCode,
            stderrTail: String(stderrText.suffix(400))
        )
    }

    /// Runs `argv` under `launcher` (tools/bench/launch.c), which spawns it, waits for it with wait4
    /// and reports its wall time and rusage: a child spawned straight from this process would report
    /// this process's high-water RSS as its own (`ru_maxrss` starts from the forking address space).
    static func measure(_ argv: [String], launcher: String, stdoutPath: String = "/dev/null",
                        scratch: String) throws -> ProcessSample {
        let resultPath = scratch + "/launch-result.txt"
        try? FileManager.default.removeItem(atPath: resultPath)
        let outer = try run([launcher, resultPath] + argv, stdoutPath: stdoutPath, scratch: scratch)
        guard outer.exitCode == 0,
              let text = try? String(contentsOfFile: resultPath, encoding: .utf8) else {
            throw SpawnError.launcher(outer.stderrTail)
        }
        let fields = text.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard fields.count == 5, let wall = Double(fields[0]), let user = Double(fields[1]), let sys = Double(fields[2]),
              let maxRSS = Int(fields[3]), let exitCode = Int32(fields[4]) else {
            throw SpawnError.launcher("unreadable result: \(text)")
        }
        return ProcessSample(wall: wall, user: user, sys: sys, maxRSS: maxRSS * 1024, exitCode: exitCode,
                             stderrTail: outer.stderrTail)
    }

    /// Runs a short helper command and returns its stdout (nil when it fails).
    static func capture(_ argv: [String], scratch: String) -> String? {
        let out = scratch + "/capture.txt"
        guard let sample = try? run(argv, stdoutPath: out, scratch: scratch), sample.exitCode == 0 else { return nil }
        return (try? String(contentsOfFile: out, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether `argv` runs and exits 0.
    static func succeeds(_ argv: [String], scratch: String) -> Bool {
        guard let sample = try? run(argv, scratch: scratch) else { return false }
        return sample.exitCode == 0
    }
}

/// The page cache, for the cold runs.
enum PageCache {
    /// Drops the file's clean pages from the page cache (no root needed).
    @discardableResult
    static func evict(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED)) == 0
    }

    /// The fraction of the file's pages in the page cache (mincore), nil when it cannot be told.
    static func residentFraction(_ path: String) -> Double? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return nil }
        let length = Int(info.st_size)
        guard let address = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), address != MAP_FAILED else { return nil }
        defer { munmap(address, length) }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pages = (length + pageSize - 1) / pageSize
        var vector = [UInt8](repeating: 0, count: pages)
        guard mincore(address, length, &vector) == 0 else { return nil }
        let resident = vector.reduce(0) { $0 + Int($1 & 1) }
        return Double(resident) / Double(pages)
    }
}

/// Pins the calling process to one CPU. Glibc declares `sched_{get,set}affinity` only under
/// `_GNU_SOURCE`, which Swift's Glibc module does not define, so they are looked up with `dlsym`.
enum Affinity {
    private typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32

    /// Calls `sched_getaffinity` or `sched_setaffinity` on this process.
    private static func call(_ name: String, _ set: inout cpu_set_t) -> Bool {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, name) else { return false }
        let function = unsafeBitCast(symbol, to: AffinityCall.self)
        return withUnsafeMutableBytes(of: &set) { function(0, $0.count, $0.baseAddress!) } == 0
    }

    private static func allowed() -> cpu_set_t? {
        var set = cpu_set_t()
        return call("sched_getaffinity", &set) ? set : nil
    }

    /// The lowest CPU this process may run on.
    static func firstAllowedCPU() -> Int? {
        guard let set = allowed() else { return nil }
        return withUnsafeBytes(of: set) { bytes in
            for (index, byte) in bytes.enumerated() where byte != 0 {
                return index * 8 + byte.trailingZeroBitCount
            }
            return nil
        }
    }

    static func pin(to cpu: Int) -> Bool {
        var set = cpu_set_t()
        withUnsafeMutableBytes(of: &set) { bytes in bytes[cpu / 8] |= UInt8(1 << (cpu % 8)) }
        return call("sched_setaffinity", &set)
    }

    /// How many CPUs this process may run on.
    static func allowedCount() -> Int {
        guard let set = allowed() else { return 0 }
        return withUnsafeBytes(of: set) { $0.reduce(0) { $0 + $1.nonzeroBitCount } }
    }
}

enum Stats {
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
