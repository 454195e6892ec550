import ArgumentParser

/// Numbers with units on the command line (`5ms`, `30M`, `2GiB`, `900/s`, `batch=1..256*2`): finite and
/// positive, or a validation error that quotes the text.
enum Quantities {
    static func number(_ text: Substring, _ what: String, original: String) throws -> Double {
        guard let value = Double(text), value.isFinite, value > 0 else {
            throw ValidationError("not a positive \(what): '\(original)'")
        }
        return value
    }

    static func scaled(_ text: String, _ scales: [(String, Double)], _ what: String, bare: Bool) throws -> Double {
        for (suffix, scale) in scales where text.hasSuffix(suffix) {
            if Double(text.dropLast(suffix.count)) != nil || !bare {
                return try number(text.dropLast(suffix.count), what, original: text) * scale
            }
        }
        guard bare else { throw ValidationError("not a \(what): '\(text)' (use e.g. \(scales[0].0 == "ms" ? "5ms" : "900/s"))") }
        return try number(Substring(text), what, original: text)
    }

    static func count(_ text: String) throws -> Double {
        try scaled(text, [("T", 1e12), ("G", 1e9), ("B", 1e9), ("M", 1e6), ("K", 1e3), ("k", 1e3)], "count", bare: true)
    }

    static func bytes(_ text: String) throws -> Double {
        try scaled(text, [("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1)],
                   "byte size", bare: true)
    }

    static func seconds(_ text: String) throws -> Double {
        try scaled(text, [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("ns", 1e-9), ("s", 1)], "duration", bare: false)
    }

    /// `2000/s` or `2000`: items per second.
    static func rate(_ text: String) throws -> Double {
        try scaled(text, [("/s", 1)], "rate", bare: true)
    }

    /// `batch=1,2,4,8`, `batch=1..256*2` (geometric), `batch=1..64+8` or `batch=1..8` (arithmetic).
    static func sweep(_ text: String) throws -> (symbol: String, values: [Int]) {
        let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--sweep expects SYMBOL=VALUES, got '\(text)'") }
        func positive(_ s: Substring) throws -> Int {
            guard let v = Int(s.trimmingCharacters(in: .whitespaces)), v > 0 else { throw ValidationError("--sweep \(text): '\(s)' is not a positive integer") }
            return v
        }
        var values: [Int] = []
        if let range = parts[1].range(of: "..") {
            let low = try positive(parts[1][..<range.lowerBound])
            var rest = parts[1][range.upperBound...]
            var step = 1, geometric = false
            if let star = rest.firstIndex(of: "*") {
                step = try positive(rest[rest.index(after: star)...]); geometric = true; rest = rest[..<star]
            } else if let plus = rest.firstIndex(of: "+") {
                step = try positive(rest[rest.index(after: plus)...]); rest = rest[..<plus]
            }
            let high = try positive(rest)
            guard low <= high, !(geometric && step < 2) else { throw ValidationError("--sweep \(text): empty or endless range") }
            var value = low
            while value <= high && values.count < 4096 {
                values.append(value)
                value = geometric ? value * step : value + step
            }
        } else {
            values = try parts[1].split(separator: ",").map(positive)
        }
        guard !values.isEmpty else { throw ValidationError("--sweep \(text): no values") }
        return (parts[0], values)
    }
}
