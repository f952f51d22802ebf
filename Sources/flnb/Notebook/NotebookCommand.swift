import Foundation
import FLScript

/// `flnb run [--check|--update] [--tolerance R] [--continue-on-error] FILE...`: replays
/// notebooks, each with a fresh interpreter.
///
/// - Working directory: the caller's, so relative paths in a notebook (`plot(…, file: "acc.svg")`,
///   data folders) resolve where flnb was started; the notebook's own folder is `NOTEBOOK_DIR`.
/// - A plain run prints each cell's output as it runs and stops the file at its first error
///   (exit 65) unless `--continue-on-error`.
/// - `--check` treats an error as part of the cell's output: a notebook may record an error on
///   purpose (the language tour does), and an unexpected one shows up in the diff (exit 1).
/// - `--update` records errors as output too, and warns about them.
///
/// Exit status: the most severe over all files — 66 unreadable file, 65 script error,
/// 1 check difference, 0 ok; 64 for bad flags; 73 when `--update` cannot write.
enum NotebookCommand: Subcommand {
    static let name = "run"
    static let usage = ["[--check | --update | --to ipynb OUT] [--tolerance R] [--continue-on-error] FILE..."]
    static let summary = "execute notebooks (check or rewrite their recorded outputs)"
    static let about = """
    Runs each notebook (.flnb) or script with a fresh interpreter, in the caller's working
    directory; scripts find the notebook's own folder in NOTEBOOK_DIR. With no option it prints
    each cell's output and stops a file at its first error.
    """
    static let options = NotebookOptions.options
    static let details = """
    Exit status: 0 ok, 1 a check found differences, 64 usage, 65 a script error,
    66 a file could not be read, 73 a file could not be written.
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try NotebookOptions.parse(arguments)
        var status = ExitStatus.ok
        for path in options.files {
            if options.files.count > 1, options.action == .run { Console.out(Messages.fileHeader(path)) }
            let fileStatus = NotebookFileRun(path: path, options: options, makeInterpreter: makeInterpreter).run()
            status = max(status, fileStatus)
        }
        return status
    }
}
