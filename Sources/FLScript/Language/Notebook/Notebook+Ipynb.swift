import Foundation

/// `.flnb` ⇄ Jupyter's nbformat 4 `.ipynb`.
///
/// Code cells carry their recorded `#>` output as one `stdout` stream; markdown cells their text
/// without the `# ` prefixes. What the `.flnb` text has beyond that (a cell title after `# %%`,
/// blank lines after a cell, the format line, spellings such as `#text`) is kept in `flnb`
/// metadata, so `.flnb → .ipynb → .flnb` gives back the same bytes. Edits made in Jupyter win:
/// a cell's verbatim lines are used only while its source and outputs are unchanged.
extension Notebook {
    /// The kernelspec and language metadata every converted notebook gets.
    public static let ipynbKernelspec: OrderedJSON = .object([
        .init(key: "display_name", value: .string("FLScript (flnb)")),
        .init(key: "language", value: .string("flscript")),
        .init(key: "name", value: .string("flnb")),
    ])

    /// The notebook as an nbformat 4.5 document.
    public var ipynb: OrderedJSON {
        var cellsJSON: [OrderedJSON] = []
        for (index, cell) in cells.enumerated() {
            var json = Notebook.canonicalJSON(cell, index: index)
            var extra: [OrderedJSON.Member] = []
            if cell.header != Notebook.defaultHeader(cell.kind) {
                extra.append(.init(key: "header", value: cell.header.map(OrderedJSON.string) ?? .null))
            }
            if !cell.trailingLines.isEmpty {
                extra.append(.init(key: "trailing", value: .array(cell.trailingLines.map(OrderedJSON.string))))
            }
            // Lines the plain conversion would not give back verbatim are kept as they are.
            var back = cell
            back.codeLines = Notebook.canonicalLines(of: json, kind: cell.kind)
            back.outputLines = Notebook.canonicalOutputLines(of: json)
            if back.codeLines != cell.codeLines || back.outputLines != cell.outputLines {
                extra.append(.init(key: "lines", value: .array((cell.codeLines + cell.outputLines).map(OrderedJSON.string))))
            }
            if !extra.isEmpty {
                json = json.replacing("metadata", with: .object([.init(key: "flnb", value: .object(extra))]))
            }
            cellsJSON.append(json)
        }
        var flnb: [OrderedJSON.Member] = [.init(key: "format_line", value: formatLine.map(OrderedJSON.string) ?? .null)]
        if !endsWithNewline { flnb.append(.init(key: "ends_with_newline", value: .bool(false))) }
        return .object([
            .init(key: "cells", value: .array(cellsJSON)),
            .init(key: "metadata", value: .object([
                .init(key: "kernelspec", value: Notebook.ipynbKernelspec),
                .init(key: "language_info", value: .object([
                    .init(key: "name", value: .string("flscript")),
                    .init(key: "file_extension", value: .string(".flnb")),
                    .init(key: "mimetype", value: .string("text/x-flscript")),
                ])),
                .init(key: "flnb", value: .object(flnb)),
            ])),
            .init(key: "nbformat", value: .number("4")),
            .init(key: "nbformat_minor", value: .number("5")),
        ])
    }

    /// A problem in an `.ipynb` document: which cell (from 0) and which field.
    public struct IpynbError: Error, CustomStringConvertible {
        public var cell: Int?
        public var field: String
        public var problem: String
        public var description: String {
            (cell.map { "cell \($0): " } ?? "") + "\(field): \(problem)"
        }
    }

    /// Reads an nbformat 4 document: markdown and code cells (raw cells become markdown), the
    /// text of every output (streams, results, displays' text/plain, errors) as `#>` lines.
    public init(ipynb json: OrderedJSON) throws {
        guard json.members != nil else { throw IpynbError(cell: nil, field: "notebook", problem: "not a JSON object") }
        guard let format = json["nbformat"]?.intValue else { throw IpynbError(cell: nil, field: "nbformat", problem: "missing or not a number") }
        guard format == 4 else { throw IpynbError(cell: nil, field: "nbformat", problem: "version \(format); only nbformat 4 is read") }
        guard let cellsJSON = json["cells"]?.arrayValue else { throw IpynbError(cell: nil, field: "cells", problem: "missing or not a list") }
        let meta = json["metadata"]?["flnb"]
        self.init()
        if let line = meta?["format_line"] {
            formatLine = line.stringValue
        }
        endsWithNewline = meta?["ends_with_newline"]?.boolValue ?? true
        for (index, cellJSON) in cellsJSON.enumerated() {
            guard cellJSON.members != nil else { throw IpynbError(cell: index, field: "cell", problem: "not a JSON object") }
            guard let type = cellJSON["cell_type"]?.stringValue else { throw IpynbError(cell: index, field: "cell_type", problem: "missing or not a string") }
            let kind: NotebookCell.Kind
            switch type {
            case "code": kind = .code
            case "markdown", "raw": kind = .markdown
            default: throw IpynbError(cell: index, field: "cell_type", problem: "'\(type)' is not code, markdown or raw")
            }
            _ = try Notebook.sourceText(cellJSON, index: index)
            if kind == .code { try Notebook.checkOutputs(cellJSON, index: index) }
            let flnb = cellJSON["metadata"]?["flnb"]
            var header: String? = Notebook.defaultHeader(kind)
            if let stored = flnb?["header"] { header = stored.stringValue }
            var cell = NotebookCell(header: header, body: [], line: 0)
            cell.kind = kind
            cell.codeLines = Notebook.canonicalLines(of: cellJSON, kind: kind)
            cell.outputLines = kind == .code ? Notebook.canonicalOutputLines(of: cellJSON) : []
            if let verbatim = flnb?["lines"]?.arrayValue?.compactMap(\.stringValue) {
                // Use the stored lines only if they still convert to this cell's source and outputs.
                var stored = NotebookCell(header: header, body: verbatim, line: 0)
                stored.kind = kind
                let unchanged = Notebook.canonicalJSON(stored, index: index)
                if Notebook.multiline(unchanged["source"]) == (try Notebook.sourceText(cellJSON, index: index)),
                   Notebook.canonicalOutputLines(of: unchanged) == cell.outputLines {
                    cell.codeLines = stored.codeLines
                    cell.outputLines = stored.outputLines
                }
            }
            cell.trailingLines = flnb?["trailing"]?.arrayValue?.compactMap(\.stringValue) ?? []
            cells.append(cell)
        }
        renumber()
    }

    // MARK: - One cell

    static func defaultHeader(_ kind: NotebookCell.Kind) -> String {
        kind == .markdown ? "# %% [markdown]" : "# %%"
    }

    /// The plain nbformat cell for `cell`, without flnb metadata.
    static func canonicalJSON(_ cell: NotebookCell, index: Int) -> OrderedJSON {
        let text = cell.kind == .markdown ? cell.markdown : cell.code
        var members: [OrderedJSON.Member] = [
            .init(key: "cell_type", value: .string(cell.kind == .markdown ? "markdown" : "code")),
            .init(key: "id", value: .string("cell-\(index + 1)")),
            .init(key: "metadata", value: .object([])),
            .init(key: "source", value: sourceLines(text)),
        ]
        if cell.kind == .code {
            var outputs: [OrderedJSON] = []
            if !cell.outputLines.isEmpty {
                outputs.append(.object([
                    .init(key: "name", value: .string("stdout")),
                    .init(key: "output_type", value: .string("stream")),
                    .init(key: "text", value: sourceLines(cell.outputs.joined(separator: "\n") + "\n")),
                ]))
            }
            members.insert(.init(key: "execution_count", value: .null), at: 1)
            members.append(.init(key: "outputs", value: .array(outputs)))
        }
        return .object(members)
    }

    /// A `display_data` output holding a MIME bundle (e.g. a plot's SVG and its text rendering).
    public static func displayData(_ bundle: [(mime: String, data: String)]) -> OrderedJSON {
        .object([
            .init(key: "data", value: .object(bundle.map { .init(key: $0.mime, value: sourceLines($0.data)) })),
            .init(key: "metadata", value: .object([])),
            .init(key: "output_type", value: .string("display_data")),
        ])
    }

    /// nbformat's multi-line string: a list of lines, each but the last ending in "\n".
    static func sourceLines(_ text: String) -> OrderedJSON {
        var lines: [OrderedJSON] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == "\n" { lines.append(.string(current)); current = "" }
        }
        if !current.isEmpty { lines.append(.string(current)) }
        return .array(lines)
    }

    /// An nbformat multi-line string field (a string or a list of strings) as one string.
    public static func multiline(_ value: OrderedJSON?) -> String? {
        if let s = value?.stringValue { return s }
        guard let items = value?.arrayValue else { return nil }
        let strings = items.compactMap(\.stringValue)
        return strings.count == items.count ? strings.joined() : nil
    }

    static func sourceText(_ cell: OrderedJSON, index: Int) throws -> String {
        guard let text = multiline(cell["source"]) else {
            throw IpynbError(cell: index, field: "source", problem: "missing, or not a string or a list of strings")
        }
        return text
    }

    static func checkOutputs(_ cell: OrderedJSON, index: Int) throws {
        guard let outputs = cell["outputs"] else { return }
        guard let list = outputs.arrayValue else { throw IpynbError(cell: index, field: "outputs", problem: "not a list") }
        for (k, output) in list.enumerated() {
            guard let type = output["output_type"]?.stringValue else {
                throw IpynbError(cell: index, field: "outputs[\(k)].output_type", problem: "missing or not a string")
            }
            switch type {
            case "stream":
                guard multiline(output["text"]) != nil else { throw IpynbError(cell: index, field: "outputs[\(k)].text", problem: "missing, or not a string or a list of strings") }
            case "execute_result", "display_data":
                guard output["data"]?.members != nil else { throw IpynbError(cell: index, field: "outputs[\(k)].data", problem: "missing or not an object") }
            case "error":
                guard output["traceback"]?.arrayValue != nil else { throw IpynbError(cell: index, field: "outputs[\(k)].traceback", problem: "missing or not a list") }
            default:
                throw IpynbError(cell: index, field: "outputs[\(k)].output_type", problem: "'\(type)' is not stream, execute_result, display_data or error")
            }
        }
    }

    /// The `.flnb` code (or `# ` markdown) lines of an nbformat cell.
    static func canonicalLines(of cell: OrderedJSON, kind: NotebookCell.Kind) -> [String] {
        let text = multiline(cell["source"]) ?? ""
        if text.isEmpty { return [] }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return kind == .markdown ? lines.map { $0.isEmpty ? "#" : "# " + $0 } : lines
    }

    /// The `#>` lines for a cell's outputs: every output's text, in order (ANSI colours removed).
    static func canonicalOutputLines(of cell: OrderedJSON) -> [String] {
        var text = ""
        for output in cell["outputs"]?.arrayValue ?? [] {
            var piece = ""
            switch output["output_type"]?.stringValue {
            case "stream": piece = multiline(output["text"]) ?? ""
            case "execute_result", "display_data":
                // The kernel's training progress display is not output `flnb run` records.
                if output["metadata"]?["flnb_progress"]?.boolValue == true { continue }
                piece = multiline(output["data"]?["text/plain"]) ?? ""
            case "error": piece = (output["traceback"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "\n")
            default: break
            }
            piece = piece.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
            if piece.isEmpty { continue }
            if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
            text += piece
        }
        if text.isEmpty { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.isEmpty ? "#>" : "#> " + $0 }
    }
}

extension OrderedJSON {
    /// This object with member `key` replaced (or appended).
    func replacing(_ key: String, with value: OrderedJSON) -> OrderedJSON {
        guard case .object(var members) = self else { return self }
        if let index = members.firstIndex(where: { $0.key == key }) { members[index].value = value } else { members.append(.init(key: key, value: value)) }
        return .object(members)
    }

    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
}
