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

    /// One line: a flat object `{"key": value, …}` (read by `OrderedJSON`, the parser `flnb
    /// sweep` uses for the same lines), as a dict in the order of its keys.
    static func parse(_ line: Substring) throws -> ScriptDict {
        let json: OrderedJSON
        do { json = try OrderedJSON.parse(String(line)) } catch let e as OrderedJSON.ParseError {
            throw Failure(message: e.description)
        }
        guard let members = json.members else { throw Failure(message: "expected '{' at column 1: a row is one JSON object") }
        let row = ScriptDict()
        for m in members {
            let value: Value
            switch m.value {
            case .string(let s): value = .string(s)
            case .bool(let b): value = .bool(b)
            case .null: value = .null
            case .number(let t):
                guard let x = Double(t) else { throw Failure(message: "not a number: '\(t)' (key \(m.key))") }
                value = .number(x)
            case .array, .object: throw Failure(message: "nested objects and lists are not supported (key \(m.key))")
            }
            row[.string(m.key)] = value
        }
        return row
    }
}
