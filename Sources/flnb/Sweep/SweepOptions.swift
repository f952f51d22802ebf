import Foundation

/// One swept parameter: `--param NAME=V1,V2,…`.
struct SweepParameter: Equatable {
    var name: String
    var values: [String]

    /// Parses `NAME=V1,V2,…`: a name of letters, digits and `_` (not starting with a digit),
    /// then one or more distinct, non-empty values.
    static func parse(_ text: String) -> Result<SweepParameter, SweepUsageError> {
        func fail(_ p: String) -> Result<SweepParameter, SweepUsageError> { .failure(SweepUsageError(problem: p)) }
        guard let equals = text.firstIndex(of: "=") else {
            return fail("--param '\(text)' is not NAME=V1,V2,… (e.g. --param seed=1,2,3)")
        }
        let name = String(text[..<equals])
        guard isName(name) else {
            return fail("--param '\(text)': '\(name)' is not a parameter name (letters, digits and _, not starting with a digit)")
        }
        let list = String(text[text.index(after: equals)...])
        guard !list.isEmpty else { return fail("--param \(name)= lists no values (e.g. --param \(name)=1,2)") }
        let values = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if values.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            return fail("--param \(name)=\(list) has an empty value")
        }
        var seen = Set<String>()
        for v in values where !seen.insert(v).inserted { return fail("--param \(name) lists '\(v)' twice") }
        return .success(SweepParameter(name: name, values: values))
    }

    static func isName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && CharacterSet.letters.contains(first)) else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || CharacterSet.alphanumerics.contains($0)) }
    }
}

/// The combinations of a sweep: the cartesian product of the parameters' values, the first
/// parameter varying slowest (like nested loops written in --param order).
struct SweepGrid: Equatable {
    var parameters: [SweepParameter]

    static let maximumCount = 100_000

    var count: Int { parameters.reduce(1) { $0 * $1.values.count } }
    var names: [String] { parameters.map(\.name) }

    /// Combination `index` (0-based) as (name, value) pairs in --param order.
    func combination(_ index: Int) -> [(name: String, value: String)] {
        var rest = index
        var picked: [(name: String, value: String)] = []
        for p in parameters.reversed() {
            picked.append((p.name, p.values[rest % p.values.count]))
            rest /= p.values.count
        }
        return picked.reversed()
    }

    /// `a=1 b=x`, or `(no parameters)`.
    static func describe(_ combination: [(name: String, value: String)]) -> String {
        combination.isEmpty ? "(no parameters)" : combination.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
    }
}

/// What `flnb sweep` runs for each combination.
enum SweepTarget: Equatable {
    /// `flnb run NOTEBOOK` (an absolute path once validated).
    case notebook(String)
    /// `flnb train FLAGS --NAME VALUE …`.
    case train([String])
}

/// The arguments of `flnb sweep`, parsed (syntax only; SweepCommand checks files and flags).
struct SweepOptions: Equatable {
    var target: SweepTarget?
    var parameters: [SweepParameter] = []
    var jobs: Int?
    var threadsPerJob: Int?
    var out: String?
    var format: SweepFormat?
    var dryRun = false
    var index: Int?
    var slurmDirectory: String?
    var sbatchOptions: [String] = []
    var submit = false
    var timeout: Double?
    var collectDirectory: String?
    var showsHelp = false

    var grid: SweepGrid { SweepGrid(parameters: parameters) }
    var effectiveFormat: SweepFormat { format ?? .guessed(from: out) }
    var effectiveThreads: Int { threadsPerJob ?? 1 }
    /// --jobs, else as many runs as fit the cores at --threads-per-job each (at least 1).
    var effectiveJobs: Int { jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount / effectiveThreads) }

    static func parse(_ arguments: [String]) -> Result<SweepOptions, SweepUsageError> {
        var o = SweepOptions()
        var i = 0
        var given = Set<String>()
        func fail(_ p: String) -> Result<SweepOptions, SweepUsageError> { .failure(SweepUsageError(problem: p)) }
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            guard argument.hasPrefix("-"), argument != "-" else {
                if case .notebook(let first)? = o.target { return fail("one notebook per sweep (got '\(first)' and '\(argument)')") }
                if case .train? = o.target {
                    return fail("unexpected argument '\(argument)': give a notebook or --train, not both (quote the flags of --train as one argument: --train \"--model lwf_mc --dataset seq-digits\")")
                }
                o.target = .notebook(argument)
                continue
            }
            var flag = argument, inline: String? = nil
            if argument.hasPrefix("--"), let eq = argument.firstIndex(of: "=") {
                flag = String(argument[..<eq]); inline = String(argument[argument.index(after: eq)...])
            }
            let takesValue = ["--param", "--jobs", "--threads-per-job", "--out", "--format", "--index", "--slurm", "--sbatch",
                              "--timeout", "--collect", "--train", "-j", "-o"].contains(flag)
            var value = ""
            if takesValue {
                if let inline { value = inline } else {
                    guard i < arguments.count else { return fail("\(flag) needs a value") }
                    value = arguments[i]
                    i += 1
                }
                if flag != "--param", flag != "--sbatch", !given.insert(flag).inserted { return fail("\(flag) given twice") }
            } else if inline != nil {
                return fail("\(flag) takes no value")
            }
            func positiveInt() -> Int? { Int(value).flatMap { $0 >= 1 ? $0 : nil } }
            switch flag {
            case "--help", "-h": o.showsHelp = true
            case "--param":
                switch SweepParameter.parse(value) {
                case .failure(let e): return .failure(e)
                case .success(let p):
                    guard !o.parameters.contains(where: { $0.name == p.name }) else { return fail("--param \(p.name) given twice (list every value in one --param \(p.name)=V1,V2,…)") }
                    o.parameters.append(p)
                }
            case "--jobs", "-j":
                guard let n = positiveInt() else { return fail("--jobs needs a positive whole number, got '\(value)'") }
                o.jobs = n
            case "--threads-per-job":
                guard let n = positiveInt() else { return fail("--threads-per-job needs a positive whole number, got '\(value)'") }
                o.threadsPerJob = n
            case "--out", "-o":
                guard !value.isEmpty else { return fail("--out needs a file name") }
                o.out = value
            case "--format":
                guard let f = SweepFormat(rawValue: value.lowercased() == "markdown" ? "md" : value.lowercased()) else {
                    return fail("--format is csv, md or json, got '\(value)'")
                }
                o.format = f
            case "--index":
                guard let n = Int(value), n >= 0 else { return fail("--index needs a combination number (0, 1, …), got '\(value)'") }
                o.index = n
            case "--slurm":
                guard !value.isEmpty else { return fail("--slurm needs a folder") }
                o.slurmDirectory = value
            case "--sbatch":
                guard value.hasPrefix("-") else { return fail("--sbatch takes an sbatch option such as --sbatch=--time=01:00:00, got '\(value)'") }
                o.sbatchOptions.append(value)
            case "--submit": o.submit = true
            case "--timeout":
                guard let t = Double(value), t.isFinite, t > 0 else { return fail("--timeout needs a positive number of seconds, got '\(value)'") }
                o.timeout = t
            case "--collect":
                guard !value.isEmpty else { return fail("--collect needs the folder given to --slurm") }
                o.collectDirectory = value
            case "--dry-run", "-n": o.dryRun = true
            case "--train":
                if case .notebook? = o.target { return fail("give a notebook or --train, not both") }
                let words: [String]
                do { words = try shellWords(value) } catch { return fail("--train: \(error)") }
                guard !words.isEmpty else { return fail("--train needs the flags of flnb train, e.g. --train \"--model lwf_mc --dataset seq-digits\"") }
                o.target = .train(words)
            default:
                return fail("unknown option '\(flag)'")
            }
        }
        if o.showsHelp { return .success(o) }
        // Combinations of options.
        if o.collectDirectory != nil {
            if o.target != nil || !o.parameters.isEmpty || o.slurmDirectory != nil || o.index != nil || o.dryRun || o.submit || o.jobs != nil
                || o.threadsPerJob != nil || !o.sbatchOptions.isEmpty || o.timeout != nil {
                return fail("--collect DIR takes only --format and --out (the grid is read from DIR/grid.json)")
            }
            return .success(o)
        }
        guard o.target != nil else { return fail("no notebook given (flnb sweep NOTEBOOK --param NAME=V1,V2,…, or --train \"FLAGS\")") }
        if o.submit && o.slurmDirectory == nil { return fail("--submit needs --slurm DIR") }
        if o.timeout != nil && !o.submit { return fail("--timeout applies to --submit (waiting for the Slurm array)") }
        if !o.sbatchOptions.isEmpty && o.slurmDirectory == nil { return fail("--sbatch needs --slurm DIR") }
        if o.index != nil && (o.dryRun || o.submit) { return fail("--index runs one combination; it cannot be combined with \(o.dryRun ? "--dry-run" : "--submit")") }
        if o.grid.count > SweepGrid.maximumCount { return fail("\(o.grid.count) combinations is more than \(SweepGrid.maximumCount); split the sweep") }
        if let i = o.index, i >= o.grid.count {
            return fail("--index \(i) is out of range: the grid has \(o.grid.count) combination\(o.grid.count == 1 ? "" : "s") (0…\(o.grid.count - 1))")
        }
        return .success(o)
    }

    /// Splits `text` into words like a shell: white space separates, '…' and "…" quote, \ escapes.
    static func shellWords(_ text: String) throws -> [String] {
        struct QuoteError: Error, CustomStringConvertible { var description: String }
        var words: [String] = []
        var current = "", inWord = false, quote: Character? = nil, escaped = false
        for c in text {
            if escaped { current.append(c); escaped = false; inWord = true; continue }
            if let q = quote {
                if c == q { quote = nil } else if c == "\\" && q == "\"" { escaped = true } else { current.append(c) }
                continue
            }
            switch c {
            case "'", "\"": quote = c; inWord = true
            case "\\": escaped = true
            case " ", "\t", "\n":
                if inWord { words.append(current); current = ""; inWord = false }
            default: current.append(c); inWord = true
            }
        }
        if quote != nil { throw QuoteError(description: "unterminated quote") }
        if inWord || escaped { words.append(current) }
        return words
    }
}

/// A `flnb sweep` command line that cannot be understood.
struct SweepUsageError: Error, Equatable {
    var problem: String
}

/// `s` quoted for a POSIX shell when it needs it.
func shellQuote(_ s: String) -> String {
    let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")
    if !s.isEmpty, s.unicodeScalars.allSatisfy({ safe.contains($0) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
