import Foundation
import FLScript

/// One value in a sweep table.
enum SweepCell: Equatable {
    case text(String)
    /// A number, as normalized text (`2`, `0.01`, `79.16`, `1e-05`).
    case number(String)
    case bool(Bool)
    case null

    /// A reported value: scalars as they are, lists and dicts as compact JSON text.
    init(json: OrderedJSON) {
        switch json {
        case .string(let s): self = .text(s)
        case .number(let t): self = .number(SweepCell.normalizedNumber(t))
        case .bool(let b): self = .bool(b)
        case .null: self = .null
        case .array, .object: self = .text(json.text)
        }
    }

    /// A parameter value as typed after `--param NAME=`: numbers and true/false are typed,
    /// anything else is text.
    init(parameter text: String) {
        if text == "true" || text == "false" { self = .bool(text == "true"); return }
        if !text.isEmpty, text.allSatisfy({ "+-0123456789.eE".contains($0) }), let d = Double(text), d.isFinite,
           text.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true {
            self = .number(SweepCell.normalizedNumber(text))
            return
        }
        self = .text(text)
    }

    var json: OrderedJSON {
        switch self {
        case .text(let s): return .string(s)
        case .number(let t): return OrderedJSON.isNumberText(t) ? .number(t) : .string(t)
        case .bool(let b): return .bool(b)
        case .null: return .null
        }
    }

    /// The text in a CSV or Markdown cell (null is empty).
    var plain: String {
        switch self {
        case .text(let s): return s
        case .number(let t): return t
        case .bool(let b): return b ? "true" : "false"
        case .null: return ""
        }
    }

    var isNumber: Bool { if case .number = self { return true } else { return false } }

    /// Integers without a fraction (`2`, not `2.0`), other numbers in Swift's shortest
    /// round-tripping form; the same number always gives the same text.
    static func normalizedNumber(_ text: String) -> String {
        guard let d = Double(text), d.isFinite else { return text }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }
}

/// One row of a sweep table: the run's parameters, then what it reported, in order.
struct SweepRow: Equatable {
    struct Field: Equatable {
        var column: String
        var cell: SweepCell
    }
    var fields: [Field]

    subscript(column: String) -> SweepCell? { fields.first { $0.column == column }?.cell }

    /// The parameters of a run followed by one row it reported. A reported key that is also
    /// a parameter is dropped when it holds the same value, and kept as `reported_KEY` when not.
    init(parameters: [(name: String, value: String)], reported: [OrderedJSON.Member]) {
        fields = parameters.map { Field(column: $0.name, cell: SweepCell(parameter: $0.value)) }
        for member in reported {
            let cell = SweepCell(json: member.value)
            var column = member.key
            if let p = parameters.first(where: { $0.name == member.key }) {
                let given = SweepCell(parameter: p.value)
                if given == cell || given.plain == cell.plain { continue }
                column = "reported_" + member.key
            }
            if let existing = fields.firstIndex(where: { $0.column == column }) { fields[existing].cell = cell } else {
                fields.append(Field(column: column, cell: cell))
            }
        }
    }

    /// A row read back from JSON (a Slurm task's results file).
    init(json members: [OrderedJSON.Member]) {
        fields = members.map { Field(column: $0.key, cell: SweepCell(json: $0.value)) }
    }

    /// The row as one JSON line.
    var jsonLine: String { OrderedJSON.object(fields.map { .init(key: $0.column, value: $0.cell.json) }).text }
}

/// Table formats of `flnb sweep --format`.
enum SweepFormat: String, CaseIterable {
    case csv, md, json

    /// The format an output file's extension suggests (.md, .json/.jsonl, else CSV).
    static func guessed(from path: String?) -> SweepFormat {
        switch (path.map { ($0 as NSString).pathExtension.lowercased() }) ?? "" {
        case "md", "markdown": return .md
        case "json", "jsonl", "ndjson": return .json
        default: return .csv
        }
    }
}

/// The rows of every run, with one column per parameter (first, in --param order) and one per
/// reported key (in the order they first appear, going through the runs in grid order).
struct SweepTable: Equatable {
    var columns: [String]
    var rows: [SweepRow]

    init(parameterNames: [String], rows: [SweepRow]) {
        var columns = parameterNames
        var seen = Set(columns)
        for row in rows { for f in row.fields where !seen.contains(f.column) { seen.insert(f.column); columns.append(f.column) } }
        self.columns = columns
        self.rows = rows
    }

    func rendered(as format: SweepFormat) -> String {
        switch format {
        case .csv: return csv
        case .md: return markdown
        case .json: return rows.map { row in
            OrderedJSON.object(columns.compactMap { c in row[c].map { .init(key: c, value: $0.json) } }).text + "\n"
        }.joined()
        }
    }

    /// RFC 4180: a header line, fields quoted when they hold a comma, quote, line break or
    /// leading/trailing space; a missing value is empty.
    var csv: String {
        func field(_ s: String) -> String {
            let needsQuotes = s.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" } || s.hasPrefix(" ") || s.hasSuffix(" ")
            return needsQuotes ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var lines = [columns.map(field).joined(separator: ",")]
        for row in rows { lines.append(columns.map { field(row[$0]?.plain ?? "") }.joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A GitHub-style table with padded columns; numeric columns are right-aligned.
    var markdown: String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
        }
        let header = columns.map(escape)
        let body = rows.map { row in columns.map { escape(row[$0]?.plain ?? "") } }
        let numeric = columns.map { c in
            let cells = rows.compactMap { $0[c] }.filter { $0 != .null }
            return !cells.isEmpty && cells.allSatisfy(\.isNumber)
        }
        let widths = columns.indices.map { i in max(3, ([header[i]] + body.map { $0[i] }).map(\.count).max() ?? 3) }
        func pad(_ s: String, _ i: Int) -> String {
            let gap = String(repeating: " ", count: max(0, widths[i] - s.count))
            return numeric[i] ? gap + s : s + gap
        }
        var lines = ["| " + header.indices.map { pad(header[$0], $0) }.joined(separator: " | ") + " |"]
        lines.append("|" + widths.indices.map { i in
            numeric[i] ? " " + String(repeating: "-", count: widths[i] - 1) + ": " : " " + String(repeating: "-", count: widths[i]) + " "
        }.joined(separator: "|") + "|")
        for cells in body { lines.append("| " + cells.indices.map { pad(cells[$0], $0) }.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n") + "\n"
    }
}
