import Foundation
import FLScript

/// State the signal handlers share with the REPL: [0] a Ctrl-C at the prompt is pending,
/// [1] Ctrl-C presses while an input runs, [2] the terminal was resized, [3] 1 while an input runs.
/// Allocated once, before any handler is installed, so the handlers only store to memory.
nonisolated(unsafe) private let signalState: UnsafeMutablePointer<sig_atomic_t> = {
    let state = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 4)
    state.initialize(repeating: 0, count: 4)
    return state
}()

/// SIGINT handler: async-signal-safe (stores to preallocated memory and write(2) only).
private func handleInterrupt(_: Int32) {
    InterruptFlag.shared.set()
    if signalState[3] != 0 {
        signalState[1] &+= 1
        if signalState[1] == 2 {
            _ = write(STDERR_FILENO, Messages.stillRunning.utf8Start, Messages.stillRunning.utf8CodeUnitCount)
        }
    } else {
        signalState[0] = 1
    }
}

/// SIGWINCH handler: only notes that the terminal changed size.
private func handleResize(_: Int32) {
    signalState[2] = 1
}

/// Ctrl-C for the interactive REPL, installed with sigaction (libedit's own handlers are off).
///
/// While an input runs, SIGINT sets `InterruptFlag.shared` and the interpreter stops at its
/// next statement or batch with an "interrupted" diagnostic; the handler is installed with
/// SA_RESTART so system calls in builtins are not disturbed. At the prompt it is installed
/// without SA_RESTART, so the pending read returns EINTR and the line editor can clear the line.
enum SignalHandling {
    private nonisolated(unsafe) static var saved: (interrupt: sigaction, resize: sigaction)?

    /// Installs the handlers (prompt mode). Call `restore()` before leaving the REPL.
    static func install() {
        // Touch everything the handlers use so no lazy initialization runs inside them.
        _ = signalState
        _ = InterruptFlag.shared
        _ = Messages.stillRunning
        var oldInterrupt = sigaction(), oldResize = sigaction()
        sigaction(SIGINT, nil, &oldInterrupt)
        sigaction(SIGWINCH, nil, &oldResize)
        if saved == nil { saved = (oldInterrupt, oldResize) }
        enterPrompt()
    }

    /// Puts the previous handlers back.
    static func restore() {
        guard var old = saved else { return }
        sigaction(SIGINT, &old.interrupt, nil)
        sigaction(SIGWINCH, &old.resize, nil)
        saved = nil
    }

    /// The prompt is showing: Ctrl-C interrupts the read, a resize is noted.
    static func enterPrompt() {
        signalState[3] = 0
        signalState[1] = 0
        set(SIGINT, handleInterrupt, restart: false)
        set(SIGWINCH, handleResize, restart: false)
    }

    /// An input runs: Ctrl-C only sets the interrupt flag; resizes are ignored (the default).
    static func enterRunning() {
        signalState[0] = 0
        signalState[1] = 0
        signalState[3] = 1
        set(SIGINT, handleInterrupt, restart: true)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = SIG_DFL
        sigemptyset(&action.sa_mask)
        sigaction(SIGWINCH, &action, nil)
    }

    /// Whether Ctrl-C was pressed at the prompt since the last call (and forgets it).
    static func takePromptInterrupt() -> Bool {
        guard signalState[0] != 0 else { return false }
        signalState[0] = 0
        return true
    }

    /// Whether Ctrl-C was pressed since the running input started (the terminal then shows
    /// "^C" without a newline).
    static var interruptedWhileRunning: Bool { signalState[3] != 0 && signalState[1] != 0 }

    /// Whether the terminal was resized since the last call (and forgets it).
    static func takeResize() -> Bool {
        guard signalState[2] != 0 else { return false }
        signalState[2] = 0
        return true
    }

    private static func set(_ signal: Int32, _ handler: @escaping @convention(c) (Int32) -> Void, restart: Bool) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = restart ? SA_RESTART : 0
        sigaction(signal, &action, nil)
    }
}
