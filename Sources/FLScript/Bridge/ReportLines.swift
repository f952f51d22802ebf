import Foundation

/// Reads back the rows `report()` writes: one flat JSON object per line (string keys; values
/// numbers, strings, booleans or null). Notebooks use it to assemble a table from runs that
/// were recorded over several sessions (`read_reports`).
enum ReportLines {
    struct Failure: Error { let message: String }

    /// The rows of a JSON-lines file, each as a dict in the order of its keys. Blank lines are
    /// skipped; any other line that is not a flat JSON object is an error naming its number.
    static func read(_ path: String) throws -> [ScriptDict] {
        guard FileManager.default.fileExists(atPath: path) else { throw ScriptError("read_reports: no file \(path)") }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ScriptError("read_reports: \(path) is not readable UTF-8 text")
        }
        var rows: [ScriptDict] = []
        // "\r\n" is one Character in Swift: normalise line ends before splitting.
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            do { rows.append(try parse(Substring(line))) } catch let f as Failure {
                throw ScriptError("read_reports: \(path) line \(i + 1): \(f.message)")
            }
        }
        return rows
    }

    /// One line: `{"key": value, …}`.
    static func parse(_ line: Substring) throws -> ScriptDict {
        var p = Parser(scalars: Array(line.unicodeScalars))
        let row = ScriptDict()
        p.skipSpace()
        try p.expect("{")
        p.skipSpace()
        if p.peek == "}" { p.index += 1 } else {
            while true {
                p.skipSpace()
                guard p.peek == "\"" else { throw Failure(message: "expected a quoted key at column \(p.index + 1)") }
                let key = try p.string()
                p.skipSpace()
                try p.expect(":")
                p.skipSpace()
                row[.string(key)] = try p.value()
                p.skipSpace()
                if p.peek == "," { p.index += 1; continue }
                try p.expect("}")
                break
            }
        }
        p.skipSpace()
        guard p.index == p.scalars.count else { throw Failure(message: "unexpected text after the object at column \(p.index + 1)") }
        return row
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0
        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        mutating func skipSpace() { while let c = peek, c == " " || c == "\t" || c == "\r" { index += 1 } }

        mutating func expect(_ c: Unicode.Scalar) throws {
            guard peek == c else {
                throw Failure(message: peek.map { "expected '\(c)' at column \(index + 1), found '\($0)'" } ?? "expected '\(c)', the line ended")
            }
            index += 1
        }

        mutating func string() throws -> String {
            try expect("\"")
            var out = String.UnicodeScalarView()
            while let c = peek {
                index += 1
                switch c {
                case "\"": return String(out)
                case "\\":
                    guard let e = peek else { break }
                    index += 1
                    switch e {
                    case "\"", "\\", "/": out.append(e)
                    case "n": out.append("\n")
                    case "r": out.append("\r")
                    case "t": out.append("\t")
                    case "b": out.append("\u{08}")
                    case "f": out.append("\u{0C}")
                    case "u":
                        guard index + 4 <= scalars.count, let v = UInt32(String(String.UnicodeScalarView(scalars[index..<index + 4])), radix: 16),
                              let s = Unicode.Scalar(v) else { throw Failure(message: "bad \\u escape at column \(index + 1)") }
                        out.append(s); index += 4
                    default: throw Failure(message: "bad escape '\\\(e)' at column \(index)")
                    }
                default: out.append(c)
                }
            }
            throw Failure(message: "unterminated string")
        }

        mutating func value() throws -> Value {
            guard let c = peek else { throw Failure(message: "a value is missing at the end of the line") }
            switch c {
            case "\"": return .string(try string())
            case "t", "f", "n":
                for (word, v) in [("true", Value.bool(true)), ("false", .bool(false)), ("null", .null)]
                where scalars.count - index >= word.unicodeScalars.count
                    && String(String.UnicodeScalarView(scalars[index..<index + word.unicodeScalars.count])) == word {
                    index += word.unicodeScalars.count
                    return v
                }
                throw Failure(message: "unknown word at column \(index + 1)")
            case "{", "[": throw Failure(message: "nested objects and lists are not supported (column \(index + 1))")
            default:
                let start = index
                while let d = peek, "+-.eE0123456789".unicodeScalars.contains(d) { index += 1 }
                let text = String(String.UnicodeScalarView(scalars[start..<index]))
                guard !text.isEmpty, let x = Double(text) else { throw Failure(message: "not a number at column \(start + 1): '\(text.isEmpty ? String(c) : text)'") }
                return .number(x)
            }
        }
    }
}
