import Foundation

/// One swept parameter: `--param NAME=V1,V2,…`.
struct SweepParameter: Equatable {
    var name: String
    var values: [String]

    /// Parses `NAME=V1,V2,…`: a name of letters, digits and `_` (not starting with a digit),
    /// then one or more distinct, non-empty values.
    static func parse(_ text: String) throws -> SweepParameter {
        func fail(_ p: String) -> CommandError { CommandError.usage(p) }
        guard let equals = text.firstIndex(of: "=") else {
            throw fail("--param '\(text)' is not NAME=V1,V2,… (e.g. --param seed=1,2,3)")
        }
        let name = String(text[..<equals])
        guard isName(name) else {
            throw fail("--param '\(text)': '\(name)' is not a parameter name (letters, digits and _, not starting with a digit)")
        }
        let list = String(text[text.index(after: equals)...])
        guard !list.isEmpty else { throw fail("--param \(name)= lists no values (e.g. --param \(name)=1,2)") }
        let values = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if values.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw fail("--param \(name)=\(list) has an empty value")
        }
        var seen = Set<String>()
        for v in values where !seen.insert(v).inserted { throw fail("--param \(name) lists '\(v)' twice") }
        return SweepParameter(name: name, values: values)
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

    var grid: SweepGrid { SweepGrid(parameters: parameters) }
    var effectiveFormat: SweepFormat { format ?? .guessed(from: out) }
    var effectiveThreads: Int { threadsPerJob ?? 1 }
    /// --jobs, else as many runs as fit the cores at --threads-per-job each (at least 1).
    var effectiveJobs: Int { jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount / effectiveThreads) }

    /// The options of `flnb sweep`, under the headings of its help.
    static var options: [Option] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return [
            Option("--param", value: "NAME=V1,V2,…", help: "the values of one parameter (repeat for more parameters)", section: "Running:", repeatable: true),
            Option("--train", value: "\"FLAGS\"", help: "run flnb train with these flags (one quoted argument) instead of a notebook",
                   section: "Running:", verbatim: true),
            Option("--jobs", "-j", value: "N", help: "runs at once (default: cores / threads per job; here \(max(1, cores)))", section: "Running:"),
            Option("--threads-per-job", value: "T", help: "threads of each run (default 1), given as FLNB_THREADS\n(and as --threads to flnb train)",
                   section: "Running:"),
            Option("--dry-run", "-n", help: "list the combinations and the command of each; run nothing", section: "Running:"),
            Option("--index", value: "I", help: "run only combination I (0-based) in the foreground", section: "Running:"),
            Option("--format", value: "csv|md|json", help: "CSV, a Markdown table, or JSON lines (default: from the\nextension of --out, else CSV)",
                   section: "Output:"),
            Option("--out", "-o", value: "FILE", help: "write the table to FILE (replaced atomically), not standard output", section: "Output:"),
            Option("--slurm", value: "DIR", help: """
                instead of running, write DIR/sweep.sbatch, a job array whose task i
                runs `flnb sweep … --index i`, and DIR/grid.json (the combinations);
                --jobs P throttles the array (--array=0-(N-1)%P), --threads-per-job
                sets --cpus-per-task
                """, section: "Slurm:"),
            Option("--sbatch", value: "OPTION", help: "one more #SBATCH line, e.g. --sbatch=--time=02:00:00 (repeatable)", section: "Slurm:",
                   repeatable: true, verbatim: true),
            Option("--submit", help: "also submit it with sbatch, wait until it has left the queue\n(polling squeue), then collect the table", section: "Slurm:"),
            Option("--timeout", value: "SECONDS", help: "stop waiting after this long (default 86400; the array keeps running)", section: "Slurm:"),
            Option("--collect", value: "DIR", help: "the table of a Slurm sweep from DIR/results (after the array ran)", section: "Slurm:"),
        ]
    }

    static func parse(_ arguments: [String]) throws -> SweepOptions {
        var o = SweepOptions()
        func fail(_ p: String) -> CommandError { CommandError.usage(p) }
        var scanner = OptionScanner(arguments, options: options)
        while let item = try scanner.next() {
            if case .positional(let argument) = item {
                if case .notebook(let first)? = o.target { throw fail("one notebook per sweep (got '\(first)' and '\(argument)')") }
                if case .train? = o.target {
                    throw fail("unexpected argument '\(argument)': give a notebook or --train, not both (quote the flags of --train as one argument: --train \"--model lwf_mc --dataset seq-digits\")")
                }
                o.target = .notebook(argument)
                continue
            }
            guard case .option(let option, let given) = item else { continue }
            let value = given ?? ""
            func positiveInt() -> Int? { Int(value).flatMap { $0 >= 1 ? $0 : nil } }
            switch option.name {
            case "--param":
                let p = try SweepParameter.parse(value)
                guard !o.parameters.contains(where: { $0.name == p.name }) else { throw fail("--param \(p.name) given twice (list every value in one --param \(p.name)=V1,V2,…)") }
                o.parameters.append(p)
            case "--jobs":
                guard let n = positiveInt() else { throw fail("--jobs needs a positive whole number, got '\(value)'") }
                o.jobs = n
            case "--threads-per-job":
                guard let n = positiveInt() else { throw fail("--threads-per-job needs a positive whole number, got '\(value)'") }
                o.threadsPerJob = n
            case "--out":
                guard !value.isEmpty else { throw fail("--out needs a file name") }
                o.out = value
            case "--format":
                guard let f = SweepFormat(rawValue: value.lowercased() == "markdown" ? "md" : value.lowercased()) else {
                    throw fail("--format is csv, md or json, got '\(value)'")
                }
                o.format = f
            case "--index":
                guard let n = Int(value), n >= 0 else { throw fail("--index needs a combination number (0, 1, …), got '\(value)'") }
                o.index = n
            case "--slurm":
                guard !value.isEmpty else { throw fail("--slurm needs a folder") }
                o.slurmDirectory = value
            case "--sbatch":
                guard value.hasPrefix("-") else { throw fail("--sbatch takes an sbatch option such as --sbatch=--time=01:00:00, got '\(value)'") }
                o.sbatchOptions.append(value)
            case "--submit": o.submit = true
            case "--timeout":
                guard let t = Double(value), t.isFinite, t > 0 else { throw fail("--timeout needs a positive number of seconds, got '\(value)'") }
                o.timeout = t
            case "--collect":
                guard !value.isEmpty else { throw fail("--collect needs the folder given to --slurm") }
                o.collectDirectory = value
            case "--dry-run": o.dryRun = true
            default:   // --train
                if case .notebook? = o.target { throw fail("give a notebook or --train, not both") }
                let words: [String]
                do { words = try shellWords(value) } catch { throw fail("--train: \(error)") }
                guard !words.isEmpty else { throw fail("--train needs the flags of flnb train, e.g. --train \"--model lwf_mc --dataset seq-digits\"") }
                o.target = .train(words)
            }
        }
        // Combinations of options.
        if o.collectDirectory != nil {
            if o.target != nil || !o.parameters.isEmpty || o.slurmDirectory != nil || o.index != nil || o.dryRun || o.submit || o.jobs != nil
                || o.threadsPerJob != nil || !o.sbatchOptions.isEmpty || o.timeout != nil {
                throw fail("--collect DIR takes only --format and --out (the grid is read from DIR/grid.json)")
            }
            return o
        }
        guard o.target != nil else { throw fail("no notebook given (flnb sweep NOTEBOOK --param NAME=V1,V2,…, or --train \"FLAGS\")") }
        if o.submit && o.slurmDirectory == nil { throw fail("--submit needs --slurm DIR") }
        if o.timeout != nil && !o.submit { throw fail("--timeout applies to --submit (waiting for the Slurm array)") }
        if !o.sbatchOptions.isEmpty && o.slurmDirectory == nil { throw fail("--sbatch needs --slurm DIR") }
        if o.index != nil && (o.dryRun || o.submit) { throw fail("--index runs one combination; it cannot be combined with \(o.dryRun ? "--dry-run" : "--submit")") }
        if o.grid.count > SweepGrid.maximumCount { throw fail("\(o.grid.count) combinations is more than \(SweepGrid.maximumCount); split the sweep") }
        if let i = o.index, i >= o.grid.count {
            throw fail("--index \(i) is out of range: the grid has \(o.grid.count) combination\(o.grid.count == 1 ? "" : "s") (0…\(o.grid.count - 1))")
        }
        return o
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

/// `s` quoted for a POSIX shell when it needs it.
func shellQuote(_ s: String) -> String {
    let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")
    if !s.isEmpty, s.unicodeScalars.allSatisfy({ safe.contains($0) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
