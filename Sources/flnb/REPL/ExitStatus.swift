/// Exit statuses of every flnb command (sysexits-style, as DESIGN.md §8 lists them).
enum ExitStatus {
    static let ok: Int32 = 0
    /// `flnb run --check` found a difference.
    static let checkFailed: Int32 = 1
    /// Bad flags or arguments.
    static let usage: Int32 = 64
    /// A script or notebook failed (and, in pipe mode, any input failed).
    static let scriptError: Int32 = 65
    /// A notebook file could not be read (EX_NOINPUT).
    static let noInput: Int32 = 66
    /// Training or another computation failed at run time (EX_SOFTWARE).
    static let runtimeError: Int32 = 70
    /// Writing a file (`--update`) failed (EX_CANTCREAT).
    static let cannotWrite: Int32 = 73
}

/// What a command stops with: a message, which the entry point prints as `flnb NAME: message`
/// (a usage error followed by the command's usage lines), and the exit status it returns.
struct CommandError: Error, CustomStringConvertible {
    let message: String
    let status: Int32
    var description: String { message }

    /// A failure with `status`: by default a computation or a tool failed (70).
    init(_ message: String, status: Int32 = ExitStatus.runtimeError) { self.message = message; self.status = status }
    /// Bad flags or arguments (64).
    static func usage(_ message: String) -> CommandError { CommandError(message, status: ExitStatus.usage) }
}
