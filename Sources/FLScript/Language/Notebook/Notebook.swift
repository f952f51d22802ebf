import Foundation

/// A `.flnb` notebook: a plain script divided into cells.
///
///     # flnb 1
///     # %% [markdown]
///     # # Title
///     # %%
///     bench = benchmark("seq-digits")
///     bench
///     #> seq-digits: 5 tasks …
///
/// `# %%` starts a code cell and `# %% [markdown]` a text cell; the `#> ` lines ending a code
/// cell are its recorded output. Parsing and writing are byte-exact: `Notebook(parsing: t).text == t`.
public struct Notebook {
    /// The first line, `# flnb 1`; nil for a plain script without one.
    public var formatLine: String?
    public var cells: [NotebookCell]
    /// Whether the text ends with a newline.
    public var endsWithNewline: Bool

    /// The format line new notebooks get.
    public static let currentFormatLine = "# flnb 1"

    /// An empty notebook with the current format line.
    public init() {
        formatLine = Notebook.currentFormatLine
        cells = []
        endsWithNewline = true
    }

    /// Splits notebook text into cells. Text before the first `# %%` becomes a code cell
    /// without a header, so a plain script is a one-cell notebook.
    public init(parsing text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        endsWithNewline = text.hasSuffix("\n")
        if endsWithNewline { lines.removeLast() }
        var index = 0
        formatLine = nil
        if let first = lines.first, first.hasPrefix("# flnb") {
            formatLine = first
            index = 1
        }
        cells = []
        var header: String?
        var start = index
        func flush(upTo end: Int) {
            let body = Array(lines[start..<end])
            if header != nil || !body.isEmpty {
                cells.append(NotebookCell(header: header, body: body, line: start + (header == nil ? 1 : 0)))
            }
        }
        while index < lines.count {
            if NotebookCell.isHeader(lines[index]) {
                flush(upTo: index)
                header = lines[index]
                start = index + 1
            }
            index += 1
        }
        flush(upTo: lines.count)
    }

    /// The notebook as text, exactly as parsed unless cells were changed.
    public var text: String {
        var lines: [String] = []
        if let formatLine { lines.append(formatLine) }
        for cell in cells { lines += cell.lines }
        let joined = lines.joined(separator: "\n")
        return endsWithNewline && !lines.isEmpty ? joined + "\n" : joined
    }

    /// The file line numbers of each cell's first line, recomputed after edits.
    mutating func renumber() {
        var line = formatLine == nil ? 1 : 2
        for index in cells.indices {
            cells[index].line = line
            line += cells[index].lines.count
        }
    }

    /// Adds a code cell with its output (for saving a REPL session).
    public mutating func appendCode(_ code: String, outputs: [String] = []) {
        var cell = NotebookCell(header: "# %%", body: code.isEmpty ? [] : code.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), line: 0)
        cell.outputs = outputs
        cells.append(cell)
        renumber()
    }

    /// Adds a markdown cell; each line of `text` is written behind "# ".
    public mutating func appendMarkdown(_ text: String) {
        let body = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "#" : "# " + $0 }
        cells.append(NotebookCell(header: "# %% [markdown]", body: body, line: 0))
        renumber()
    }
}

/// One cell: its header line and body, with the body split into code, recorded output and
/// trailing blank lines so that outputs can be replaced without touching anything else.
public struct NotebookCell {
    public enum Kind: Sendable {
        case code, markdown
    }

    public var kind: Kind
    /// `# %%`, `# %% [markdown]` (any title after `# %%` is kept); nil for text before the first header.
    public var header: String?
    /// The code (or markdown) lines, verbatim.
    public var codeLines: [String]
    /// The `#>` lines, verbatim.
    public var outputLines: [String]
    /// Blank lines after the output, kept so rewriting outputs keeps the spacing.
    public var trailingLines: [String]
    /// The file line number of the cell's first line (its header, if any).
    public var line: Int

    static func isHeader(_ line: String) -> Bool {
        line == "# %%" || line.hasPrefix("# %% ") || line.hasPrefix("# %%[")
    }

    init(header: String?, body: [String], line: Int) {
        self.header = header
        self.line = line
        kind = header?.contains("[markdown]") == true ? .markdown : .code
        var body = body
        var trailing: [String] = []
        while let last = body.last, last.trimmingCharacters(in: .whitespaces).isEmpty {
            trailing.insert(body.removeLast(), at: 0)
        }
        var outputs: [String] = []
        if kind == .code {
            while let last = body.last, last.hasPrefix("#>") {
                outputs.insert(body.removeLast(), at: 0)
            }
        }
        codeLines = body
        outputLines = outputs
        trailingLines = trailing
    }

    /// Every line of the cell, header first.
    public var lines: [String] {
        (header.map { [$0] } ?? []) + codeLines + outputLines + trailingLines
    }

    /// The code to run (for a markdown cell, its raw lines).
    public var code: String { codeLines.joined(separator: "\n") }

    /// The file line number of the first code line.
    public var codeLine: Int { line + (header == nil ? 0 : 1) }

    /// The file line number of the first output line (or where output would be written).
    public var outputLine: Int { codeLine + codeLines.count }

    /// The markdown text with the "# " prefixes removed.
    public var markdown: String {
        codeLines.map { line in
            line.hasPrefix("# ") ? String(line.dropFirst(2)) : line.hasPrefix("#") ? String(line.dropFirst()) : line
        }.joined(separator: "\n")
    }

    /// The recorded output lines, without their "#> " prefix.
    public var outputs: [String] {
        get {
            outputLines.map { line in
                line.hasPrefix("#> ") ? String(line.dropFirst(3)) : String(line.dropFirst(2))
            }
        }
        set {
            outputLines = newValue.map { $0.isEmpty ? "#>" : "#> " + $0 }
        }
    }
}
