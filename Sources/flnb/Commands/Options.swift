import FLCore

/// One option of a command, declared once: the scanner reads it and the help lists it.
struct Option {
    /// Its spellings, the one errors and help use first: `["--jobs", "-j"]`.
    var spellings: [String]
    /// The value's placeholder (`N`, `FILE`); nil for a switch, which takes none.
    let value: String?
    /// Its line(s) in the help; nil keeps it out of the help and of "did you mean".
    let help: String?
    /// The heading it is listed under in the help (`Output:`).
    let section: String?
    /// May be given more than once (each value is kept); a switch always may.
    let repeatable: Bool
    /// Its value may start with `--` (`--train "--model …"`); other values may not, so that
    /// `--lr --seed 1` says `--lr needs a value`.
    let verbatim: Bool

    init(_ spellings: String..., value: String? = nil, help: String?, section: String? = nil, repeatable: Bool = false, verbatim: Bool = false) {
        self.spellings = spellings; self.value = value; self.help = help; self.section = section
        self.repeatable = repeatable; self.verbatim = verbatim
    }

    var name: String { spellings[0] }

    /// The options' lines in a help text: spellings and value, then the help, in aligned columns.
    static func table(_ options: [Option]) -> String {
        let shown = options.filter { $0.help != nil }
        func spelled(_ o: Option) -> String { o.spellings.map { $0 + (o.value.map { " " + $0 } ?? "") }.joined(separator: ", ") }
        let width = (shown.map { spelled($0).count }.max() ?? 0) + 2
        var lines: [String] = [], section: String? = nil
        for o in shown {
            if let s = o.section, s != section { lines.append(s); section = s }
            let help = o.help!.split(separator: "\n", omittingEmptySubsequences: false)
            lines.append("  " + spelled(o).padding(toLength: width, withPad: " ", startingAt: 0) + help[0])
            lines += help.dropFirst().map { String(repeating: " ", count: width + 2) + $0 }
        }
        return lines.joined(separator: "\n")
    }
}

/// Reads a command line against the options a command declares: `--name value`, `--name=value`,
/// switches, and positional words (every word after `--` is positional). Unknown options,
/// missing values and an option given twice are usage errors, each said the same way for
/// every command.
struct OptionScanner {
    enum Item {
        /// An option and its value (nil for a switch).
        case option(Option, String?)
        case positional(String)
    }

    private let words: [String]
    private let options: [Option]
    private var index = 0
    private var optionsEnded = false
    private var given: Set<String> = []

    init(_ words: [String], options: [Option]) { self.words = words; self.options = options }

    /// The next option or positional word; nil at the end.
    mutating func next() throws -> Item? {
        guard index < words.count else { return nil }
        let word = words[index]
        index += 1
        if optionsEnded || !word.hasPrefix("-") || word == "-" { return .positional(word) }
        if word == "--" { optionsEnded = true; return try next() }
        var spelled = word, inline: String? = nil
        if word.hasPrefix("--"), let equals = word.firstIndex(of: "=") {
            spelled = String(word[..<equals]); inline = String(word[word.index(after: equals)...])
        }
        guard let option = options.first(where: { $0.spellings.contains(spelled) }) else {
            throw CommandError.usage("unknown option '\(spelled)'" + didYouMean(spelled))
        }
        guard option.value != nil else {
            if inline != nil { throw CommandError.usage("\(spelled) takes no value") }
            return .option(option, nil)
        }
        if !option.repeatable, !given.insert(option.name).inserted { throw CommandError.usage("\(option.name) given twice") }
        return .option(option, try inline ?? value(for: option))
    }

    /// The next option and its value, for commands that take no positional words; nil at the end.
    mutating func nextOption() throws -> (option: Option, value: String?)? {
        switch try next() {
        case nil: return nil
        case .option(let option, let value)?: return (option, value)
        case .positional(let word)?: throw CommandError.usage("unexpected argument '\(word)'")
        }
    }

    /// The next word as the value of `option` (`--to ipynb OUT` takes two).
    mutating func value(for option: Option) throws -> String {
        guard index < words.count, option.verbatim || !(words[index].hasPrefix("--") && Double(words[index]) == nil) else {
            throw CommandError.usage("\(option.name) needs a value" + (option.value.map { " (\(option.name) \($0))" } ?? ""))
        }
        index += 1
        return words[index - 1]
    }

    /// The words that follow as long as `accept` takes them (`--sch_ms 42 54`).
    mutating func take(while accept: (String) -> Bool) -> [String] {
        let taken = words[index...].prefix(while: accept)
        index += taken.count
        return Array(taken)
    }

    /// "; did you mean '--lr'?" for an unknown long option close to the declared ones.
    private func didYouMean(_ spelled: String) -> String {
        spelled.hasPrefix("--") ? flnb.didYouMean(spelled, among: options.filter { $0.help != nil }.map(\.name)) : ""
    }
}

/// "; did you mean 'a' or 'b'?" for the names at most two edits from `word` (FLCore's
/// `editDistance`), or "": for unknown options and commands alike.
func didYouMean(_ word: String, among names: [String]) -> String {
    let close = names.filter { editDistance($0, word) <= 2 }.sorted()
    return close.isEmpty ? "" : "; did you mean " + close.map { "'\($0)'" }.joined(separator: " or ") + "?"
}
