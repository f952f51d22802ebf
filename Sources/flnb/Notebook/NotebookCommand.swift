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
public enum NotebookCommand {
    /// Runs `flnb run` with `arguments` (everything after `run`).
    /// - Parameter makeInterpreter: called once per notebook file.
    /// - Returns: the exit status.
    public static func run(arguments: [String], makeInterpreter: @escaping InterpreterFactory) -> Int32 {
        let options: NotebookOptions
        switch NotebookOptions.parse(arguments) {
        case .failure(let error):
            Console.error(Messages.usageError(error.problem))
            return ExitStatus.usage
        case .success(let parsed):
            options = parsed
        }
        if options.showsHelp {
            Console.out(Messages.runUsage)
            return ExitStatus.ok
        }
        var status = ExitStatus.ok
        for path in options.files {
            if options.files.count > 1, options.action == .run { Console.out(Messages.fileHeader(path)) }
            let fileStatus = NotebookFileRun(path: path, options: options, makeInterpreter: makeInterpreter).run()
            status = max(status, fileStatus)
        }
        return status
    }
}
