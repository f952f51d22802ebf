import Foundation

/// The arguments of `flnb run`, parsed.
struct NotebookOptions: Equatable {
    enum Action: Equatable {
        /// Print each cell's output.
        case run
        /// Compare outputs with the recorded `#>` lines.
        case check
        /// Rewrite the recorded `#>` lines.
        case update
        /// Write the executed notebook as `.ipynb` to this path (`--to ipynb OUT`).
        case ipynb(String)
    }

    var action: Action = .run
    /// Relative tolerance for numbers under `--check`.
    var tolerance: Double?
    var continueOnError = false
    var files: [String] = []
    /// `--help` was asked for.
    var showsHelp = false

    /// Parses `[--check|--update] [--tolerance R] [--continue-on-error] FILE...`
    /// (`--tolerance=R` too; `--` ends the flags).
    /// - Returns: the options, or what is wrong with the arguments.
    static func parse(_ arguments: [String]) -> Result<NotebookOptions, NotebookUsageError> {
        var options = NotebookOptions()
        var index = 0
        var flagsEnded = false
        func fail(_ problem: String) -> Result<NotebookOptions, NotebookUsageError> { .failure(NotebookUsageError(problem: problem)) }
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if flagsEnded || !argument.hasPrefix("-") || argument == "-" {
                options.files.append(argument)
                continue
            }
            let (flag, inlineValue) = split(argument)
            switch flag {
            case "--":
                flagsEnded = true
            case "--help", "-h":
                options.showsHelp = true
            case "--check", "--update":
                let action: Action = flag == "--check" ? .check : .update
                if options.action != .run, options.action != action { return fail("\(flag) cannot be combined with --check, --update or --to") }
                options.action = action
            case "--to":
                guard inlineValue == nil || inlineValue == "ipynb", index < arguments.count else {
                    return fail("--to takes ipynb and an output file: --to ipynb OUT")
                }
                if inlineValue == nil {
                    guard arguments[index] == "ipynb", index + 1 < arguments.count else { return fail("--to takes ipynb and an output file: --to ipynb OUT") }
                    index += 1
                }
                if options.action != .run { return fail("--to ipynb cannot be combined with --check or --update") }
                options.action = .ipynb(arguments[index])
                index += 1
                continue
            case "--continue-on-error":
                options.continueOnError = true
            case "--tolerance":
                guard let text = inlineValue ?? (index < arguments.count ? arguments[index] : nil) else {
                    return fail("--tolerance needs a value, e.g. --tolerance 1e-3")
                }
                if inlineValue == nil { index += 1 }
                guard let value = Double(text), value.isFinite, value >= 0 else {
                    return fail("--tolerance expects a non-negative number, got '\(text)'")
                }
                options.tolerance = value
            default:
                return fail("unknown option '\(flag)'")
            }
            if inlineValue != nil, flag != "--tolerance" { return fail("\(flag) takes no value") }
        }
        if options.files.isEmpty, !options.showsHelp { return fail("no notebook given") }
        if case .ipynb = options.action, options.files.count > 1 { return fail("--to ipynb writes one notebook; give one file") }
        return .success(options)
    }

    /// `--flag=value` → ("--flag", "value").
    private static func split(_ argument: String) -> (String, String?) {
        guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }
}

/// A `flnb run` command line that cannot be understood.
struct NotebookUsageError: Error, Equatable {
    var problem: String
}
