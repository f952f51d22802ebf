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

    static let options = [
        Option("--check", help: "compare each cell's output with its recorded #> lines and print a diff\n(numbers within the tolerance, timings ignored); errors are output too"),
        Option("--update", help: "rewrite the recorded #> lines in place with this run's output"),
        Option("--to", value: "ipynb OUT", help: "write the executed notebook (this run's outputs) as Jupyter .ipynb to OUT;\nthe .flnb file is left as it is (one notebook)"),
        Option("--tolerance", value: "R", help: "relative tolerance for numbers under --check (default 1e-4)"),
        Option("--continue-on-error", help: "keep running a file's cells after one fails (plain runs)"),
    ]

    /// Parses `[--check|--update|--to ipynb OUT] [--tolerance R] [--continue-on-error] FILE...`
    /// (`--tolerance=R` too; `--` ends the options).
    static func parse(_ arguments: [String]) throws -> NotebookOptions {
        var options = NotebookOptions()
        var scanner = OptionScanner(arguments, options: Self.options)
        func fail(_ problem: String) -> CommandError { CommandError.usage(problem) }
        while let item = try scanner.next() {
            guard case .option(let option, let value) = item else {
                if case .positional(let file) = item { options.files.append(file) }
                continue
            }
            switch option.name {
            case "--check", "--update":
                let action: Action = option.name == "--check" ? .check : .update
                if options.action != .run, options.action != action { throw fail("\(option.name) cannot be combined with --check, --update or --to") }
                options.action = action
            case "--to":
                guard value == "ipynb" else { throw fail("--to takes ipynb and an output file: --to ipynb OUT") }
                if options.action != .run { throw fail("--to ipynb cannot be combined with --check or --update") }
                options.action = .ipynb(try scanner.value(for: option))
            case "--continue-on-error":
                options.continueOnError = true
            default:   // --tolerance
                guard let tolerance = Double(value!), tolerance.isFinite, tolerance >= 0 else {
                    throw fail("--tolerance expects a non-negative number, got '\(value!)'")
                }
                options.tolerance = tolerance
            }
        }
        if options.files.isEmpty { throw fail("no notebook given") }
        if case .ipynb = options.action, options.files.count > 1 { throw fail("--to ipynb writes one notebook; give one file") }
        return options
    }
}
