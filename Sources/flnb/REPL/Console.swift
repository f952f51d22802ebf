import Foundation

/// Standard output and error as the REPL and `flnb run` use them: written straight to the
/// descriptors after flushing any stdio buffer (libedit's), so outputs, diagnostics, prompts
/// and progress lines appear in the order they were written.
enum Console {
    /// Writes `text` to standard output (the stream interpreter output and echoes use).
    static func out(_ text: String) {
        fflush(nil)
        writeAll(text, to: STDOUT_FILENO)
    }

    /// Writes `text` to standard error.
    static func error(_ text: String) {
        fflush(nil)
        writeAll(text, to: STDERR_FILENO)
    }

    /// Whether standard input is a terminal (the REPL then edits lines with libedit).
    static var inputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Whether standard error is a terminal (progress lines are drawn only then).
    static var errorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// The width of the terminal on `descriptor`, or 80 when it is not a terminal.
    static func width(of descriptor: Int32 = STDOUT_FILENO) -> Int {
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        return 80
    }

    /// Writes bytes straight to a descriptor (no stdio buffer), retrying after signals.
    static func writeAll(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
