import Foundation

/// How closely a fresh number must match a recorded one: |a − b| ≤ absolute + relative·|b|.
public struct OutputTolerance: Sendable {
    public var relative: Double
    public var absolute: Double

    /// The default is relative 1e-4 and absolute 1e-6.
    public init(relative: Double = 1e-4, absolute: Double = 1e-6) {
        self.relative = relative
        self.absolute = absolute
    }
}

/// The outcome of `NotebookRunner.check`: one entry per code cell whose output differs.
public struct CheckResult {
    public var mismatches: [CellMismatch]
    /// A readable unified-style diff of every mismatch ("" when all outputs match).
    public var diff: String

    public var passed: Bool { mismatches.isEmpty }
}

/// A code cell whose fresh output differs from its recorded output.
public struct CellMismatch {
    /// The cell's index in `Notebook.cells`.
    public var cellIndex: Int
    /// The cell's 1-based position among all cells, as the diff shows it.
    public var cellNumber: Int
    /// The file line of the cell's first output line (or where its output would go).
    public var line: Int
    public var expected: [String]
    /// The fresh output; nil when the cell did not run (an earlier cell failed).
    public var got: [String]?
    /// The differing lines, in order.
    public var differences: [LineDifference]
}

/// One differing line: a recorded line missing from the fresh output, a fresh line not
/// recorded, or both (a changed line).
public struct LineDifference {
    /// The file line of the recorded line (or of the position where the fresh line would go).
    public var line: Int
    public var expected: String?
    public var got: String?
}

/// Compares one recorded output line with one fresh line: numbers within tolerance, timings
/// masked, other text exact (trailing whitespace ignored), `# no-check` lines always equal.
public struct OutputMatcher: Sendable {
    public var tolerance: OutputTolerance

    /// A matcher using `tolerance` for numbers.
    public init(tolerance: OutputTolerance = OutputTolerance()) {
        self.tolerance = tolerance
    }

    /// Units that make a preceding number a timing, longest first so "min" wins over "m".
    static let timeUnits = ["img/s", "it/s", "min", "ms", "s", "h"]
    static let noCheckMarker = "# no-check"

    static func hasNoCheckMarker(_ line: String) -> Bool {
        trimTrailing(line).hasSuffix(noCheckMarker)
    }

    /// Whether a fresh output line matches a recorded one.
    public func matches(expected: String, got: String) -> Bool {
        if OutputMatcher.hasNoCheckMarker(expected) { return true }
        let a = OutputMatcher.tokens(OutputMatcher.trimTrailing(expected))
        let b = OutputMatcher.tokens(OutputMatcher.trimTrailing(got))
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.text(let s), .text(let t)): if s != t { return false }
            case (.timing, .timing): continue
            case (.number(let u), .number(let v)):
                if u == v { continue }
                if abs(u - v) > tolerance.absolute + tolerance.relative * abs(u) { return false }
            default: return false
            }
        }
        return true
    }

    enum Token: Equatable {
        case text(String)
        case number(Double)
        case timing
    }

    static func trimTrailing(_ line: String) -> String {
        var line = line
        while let last = line.last, last == " " || last == "\t" || last == "\r" { line.removeLast() }
        return line
    }

    /// Splits a line into text, numbers and masked timings. Digits inside words ("resnet18")
    /// stay text.
    static func tokens(_ line: String) -> [Token] {
        let characters = Array(line)
        var tokens: [Token] = []
        var text = ""
        var index = 0
        func isWordCharacter(_ i: Int) -> Bool {
            i >= 0 && i < characters.count && (characters[i].isLetter || characters[i] == "_")
        }
        func isDigit(_ i: Int) -> Bool {
            i >= 0 && i < characters.count && characters[i].isASCII && characters[i].isNumber
        }
        while index < characters.count {
            let c = characters[index]
            let startsNumber = !isWordCharacter(index - 1) && !isDigit(index - 1)
                && (isDigit(index) || ((c == "-" || c == ".") && isDigit(index + 1))
                    || (c == "-" && characters.indices.contains(index + 1) && characters[index + 1] == "." && isDigit(index + 2)))
            guard startsNumber, let (number, end) = scanNumber(characters, from: index) else {
                text.append(c)
                index += 1
                continue
            }
            if !text.isEmpty { tokens.append(.text(text)); text = "" }
            if let unitEnd = timeUnitEnd(characters, from: end) {
                tokens.append(.timing)
                index = unitEnd
            } else {
                tokens.append(.number(number))
                index = end
            }
        }
        if !text.isEmpty { tokens.append(.text(text)) }
        return tokens
    }

    /// `-12.5e-3` starting at `start`: its value and the index after it.
    private static func scanNumber(_ characters: [Character], from start: Int) -> (Double, Int)? {
        var index = start
        func digits() { while index < characters.count, characters[index].isASCII, characters[index].isNumber { index += 1 } }
        if characters[index] == "-" { index += 1 }
        digits()
        if index < characters.count, characters[index] == ".", index + 1 < characters.count,
           characters[index + 1].isASCII, characters[index + 1].isNumber {
            index += 1
            digits()
        }
        if index < characters.count, characters[index] == "e" || characters[index] == "E" {
            var look = index + 1
            if look < characters.count, characters[look] == "-" || characters[look] == "+" { look += 1 }
            if look < characters.count, characters[look].isASCII, characters[look].isNumber {
                index = look
                digits()
            }
        }
        guard let value = Double(String(characters[start..<index])) else { return nil }
        return (value, index)
    }

    /// If a time or rate unit follows (after optional spaces) and ends a word, the index after it.
    private static func timeUnitEnd(_ characters: [Character], from start: Int) -> Int? {
        var index = start
        while index < characters.count, characters[index] == " " { index += 1 }
        for unit in timeUnits {
            let unitCharacters = Array(unit)
            let end = index + unitCharacters.count
            guard end <= characters.count, Array(characters[index..<end]) == unitCharacters else { continue }
            if end < characters.count, characters[end].isLetter { continue }
            return end
        }
        return nil
    }
}

/// Lines up recorded and fresh outputs cell by cell and writes the diff.
struct OutputChecker {
    var tolerance: OutputTolerance
    var fileName: String

    func compare(_ notebook: Notebook, _ run: NotebookRun) -> CheckResult {
        let matcher = OutputMatcher(tolerance: tolerance)
        let runs = Dictionary(run.cells.map { ($0.cellIndex, $0) }, uniquingKeysWith: { a, _ in a })
        var mismatches: [CellMismatch] = []
        var diff = ""
        for (index, cell) in notebook.cells.enumerated() where cell.kind == .code {
            let expected = cell.outputs
            guard let got = runs[index]?.output else {
                let mismatch = CellMismatch(cellIndex: index, cellNumber: index + 1, line: cell.outputLine,
                                            expected: expected, got: nil, differences: [])
                mismatches.append(mismatch)
                diff += "@@ cell \(index + 1) (line \(cell.codeLine)) was not run: an earlier cell failed @@\n"
                continue
            }
            let operations = OutputChecker.align(expected, got) { matcher.matches(expected: $0, got: $1) }
            guard operations.contains(where: { if case .same = $0 { return false } else { return true } }) else { continue }
            let (differences, text) = hunks(operations, start: cell.outputLine, cellNumber: index + 1)
            mismatches.append(CellMismatch(cellIndex: index, cellNumber: index + 1, line: cell.outputLine,
                                           expected: expected, got: got, differences: differences))
            diff += text
        }
        if !diff.isEmpty {
            diff = "--- \(fileName) (recorded)\n+++ \(fileName) (this run)\n" + diff
        }
        return CheckResult(mismatches: mismatches, diff: diff)
    }

    enum Operation {
        case same(String, String)
        case removed(String)
        case added(String)
    }

    /// A longest-common-subsequence alignment under `equal`; falls back to line-by-line
    /// pairing for very long outputs.
    static func align(_ a: [String], _ b: [String], equal: (String, String) -> Bool) -> [Operation] {
        guard a.count * b.count <= 4_000_000 else {
            var operations: [Operation] = []
            for i in 0..<max(a.count, b.count) {
                switch (i < a.count ? a[i] : nil, i < b.count ? b[i] : nil) {
                case (let x?, let y?): operations += equal(x, y) ? [.same(x, y)] : [.removed(x), .added(y)]
                case (let x?, nil): operations.append(.removed(x))
                case (nil, let y?): operations.append(.added(y))
                default: break
                }
            }
            return operations
        }
        // lengths[i][j]: LCS length of a[i...] and b[j...].
        var lengths = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = equal(a[i], b[j]) ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var operations: [Operation] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, equal(a[i], b[j]) {
                operations.append(.same(a[i], b[j]))
                i += 1
                j += 1
            } else if i < a.count, j == b.count || lengths[i + 1][j] >= lengths[i][j + 1] {
                // On a tie the recorded line comes first, so a changed line reads "-old +new".
                operations.append(.removed(a[i]))
                i += 1
            } else {
                operations.append(.added(b[j]))
                j += 1
            }
        }
        return operations
    }

    /// Unified-diff hunks with two lines of context, headed `@@ -line,count +line,count @@ cell N`.
    func hunks(_ operations: [Operation], start: Int, cellNumber: Int) -> ([LineDifference], String) {
        let context = 2
        let changed = operations.indices.filter { if case .same = operations[$0] { return false } else { return true } }
        var shown = Set<Int>()
        for index in changed {
            for near in max(0, index - context)...min(operations.count - 1, index + context) { shown.insert(near) }
        }
        var differences: [LineDifference] = []
        var text = ""
        var expectedLine = start, gotLine = start
        var hunk: [String] = []
        var hunkStart: (Int, Int)?
        var counts = (0, 0)
        func flush() {
            guard let (a, b) = hunkStart else { return }
            text += "@@ -\(a),\(counts.0) +\(b),\(counts.1) @@ cell \(cellNumber)\n" + hunk.map { $0 + "\n" }.joined()
            hunk = []
            hunkStart = nil
            counts = (0, 0)
        }
        for (index, operation) in operations.enumerated() {
            if shown.contains(index) {
                if hunkStart == nil { hunkStart = (expectedLine, gotLine) }
                switch operation {
                case .same(let x, _):
                    hunk.append(" #> " + x)
                    counts.0 += 1
                    counts.1 += 1
                case .removed(let x):
                    hunk.append("-#> " + x)
                    counts.0 += 1
                case .added(let y):
                    hunk.append("+#> " + y)
                    counts.1 += 1
                }
            } else {
                flush()
            }
            switch operation {
            case .same:
                expectedLine += 1
                gotLine += 1
            case .removed(let x):
                differences.append(LineDifference(line: expectedLine, expected: x, got: nil))
                expectedLine += 1
            case .added(let y):
                // A line added right after a removed one is that line, changed.
                if let last = differences.last, last.got == nil, last.line == expectedLine - 1,
                   case .removed = operations[index - 1] {
                    differences[differences.count - 1].got = y
                } else {
                    differences.append(LineDifference(line: expectedLine, expected: nil, got: y))
                }
                gotLine += 1
            }
        }
        flush()
        return (differences, text)
    }
}
