import Foundation

/// Every message the REPL and `flnb run` show a user, in one place (the usage and options of
/// `flnb run` are declared with the command, `NotebookCommand`).
enum Messages {
    // MARK: - Prompt

    static let prompt = "flnb> "
    static let continuationPrompt = "  ...> "

    static func banner(version: String) -> String {
        "flnb \(version) — :help for commands, help() for builtins, Ctrl-D to quit\n"
    }

    static let pressCtrlCAgain = "(press Ctrl-C again to quit, or type :quit)\n"
    /// Written by the SIGINT handler (with write(2), hence a StaticString) on a second Ctrl-C
    /// while an input still runs.
    static let stillRunning: StaticString = "\n(interrupt requested: the input stops at its next safe point; Ctrl-\\ kills flnb)\n"

    static let help = """
    Commands:
      :help            this list
      :vars            your variables, with type and value
      :time            toggle printing the wall time after each input
      :save FILE       write this session as a .flnb notebook (inputs that succeeded, with outputs)
      :load FILE       run a notebook or script into this session, printing its outputs
      :reset           start over: a fresh interpreter, and no inputs for :save
      :quit, :q        leave (also Ctrl-D, or Ctrl-C twice at an empty prompt)
    Help on the language:
      help()           every builtin with a one-line summary
      help(x), ?x      a builtin's parameters, defaults and example; an object's members
    Editing:
      Tab completes names, members and argument labels (Tab twice lists the candidates);
      Up/Down recall earlier lines; a line with an open bracket continues on the next.
      Ctrl-C stops a running input (variables are kept) or clears the line being typed.

    """

    // MARK: - Meta-commands

    static func unknownCommand(_ name: String, suggestion: String?) -> String {
        "unknown command ':\(name)'" + (suggestion.map { "; did you mean ':\($0)'?" } ?? "") + " (:help lists the commands)\n"
    }

    static func commandNeedsFile(_ name: String) -> String {
        "usage: :\(name) FILE\n"
    }

    static func commandTakesNoArgument(_ name: String) -> String {
        ":\(name) takes no argument\n"
    }

    static let noVariables = "(no variables yet)\n"

    static func timing(on: Bool) -> String {
        on ? "timing on: the wall time is printed after each input\n" : "timing off\n"
    }

    static func elapsed(_ seconds: Double) -> String {
        seconds < 1 ? String(format: "time: %.1f ms\n", seconds * 1000) : String(format: "time: %.3f s\n", seconds)
    }

    static func saved(cells: Int, path: String) -> String {
        "saved \(cells) cell\(cells == 1 ? "" : "s") to \(path)\n"
    }

    static func partialEffectsWarning(_ count: Int) -> String {
        "note: \(count) input\(count == 1 ? "" : "s") failed while running (an error or Ctrl-C); whatever "
            + "\(count == 1 ? "it" : "they") changed before stopping is not in the notebook, so a replay may differ\n"
    }

    static func loaded(cells: Int, path: String) -> String {
        "loaded \(path): \(cells) code cell\(cells == 1 ? "" : "s")\n"
    }

    static func loadStopped(path: String, cell: Int, line: Int) -> String {
        "stopped loading \(path) at cell \(cell) (line \(line)); the cells before it ran\n"
    }

    static let reset = "session reset: variables cleared, nothing recorded for :save\n"

    // MARK: - Saved notebooks

    /// The markdown cell heading a notebook written by `:save`.
    static func sessionHeader(version: String, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm ZZZZZ"
        return """
        # flnb session
        Saved at the prompt by flnb \(version) on \(formatter.string(from: date)).
        Seeds: every random choice comes from the `seed:` arguments in the cells below, so
        `flnb run --check` on this file reproduces the recorded numbers (same machine, same threads).
        """
    }

    // MARK: - flnb run

    static func fileHeader(_ path: String) -> String {
        "==> \(path) <==\n"
    }

    static func checkPassed(_ path: String, cells: Int) -> String {
        "\(path): ok (\(cells) code cell\(cells == 1 ? "" : "s") match)\n"
    }

    static func checkFailed(_ path: String, differing: Int, cells: Int) -> String {
        "\(path): \(differing) of \(cells) code cell\(cells == 1 ? "" : "s") differ\n"
    }

    static func updated(_ path: String, changed: Int, cells: Int) -> String {
        changed == 0
            ? "\(path): up to date (\(cells) code cell\(cells == 1 ? "" : "s"))\n"
            : "\(path): updated \(changed) of \(cells) code cell\(cells == 1 ? "" : "s")\n"
    }

    static func errorsRecorded(_ path: String, cells: [Int]) -> String {
        let list = cells.map(String.init).joined(separator: ", ")
        return "\(path): warning: cell\(cells.count == 1 ? "" : "s") \(list) raised an error; "
            + "the diagnostic is recorded as output\n"
    }

    static func fileProblem(_ error: Error) -> String {
        "flnb: \(error)\n"
    }

    // MARK: - Jupyter kernel

    static let kernelQuit = ":quit does not apply in a notebook: shut the kernel down from the front end\n"
}
