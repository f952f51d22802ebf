import Foundation
import FLCore
import FLScript

/// The interpreter every front end uses: all numeric builtins, training progress fed to the
/// session's progress line, and interrupted steps turned into exact replay lines.
func makeInterpreter(_ context: SessionContext) -> Interpreter {
    let interp = FLSession.makeInterpreter()
    let progress = context.progress
    SessionHooks.progress = { event in
        let c = event.cursor
        let done = c.epoch * event.batchesPerEpoch + c.batch + 1
        let total = max(1, event.epochsInPhase * event.batchesPerEpoch)
        progress.update(title: "task \(c.task + 1)/\(event.tasks) \(c.phase.rawValue)", done: done, total: total,
                        fields: ["epoch": "\(c.epoch + 1)/\(event.epochsInPhase)", "loss": String(format: "%.4f", event.loss),
                                 "img/s": String(format: "%.0f", event.imagesPerSecond)],
                        eta: nil)
    }
    SessionHooks.interruptedStep = { line in ReplayNotes.pending = line }
    return interp
}

/// The replay line of the last interrupted step, taken by the session when it records inputs.
enum ReplayNotes {
    nonisolated(unsafe) static var pending: String?
    static func take() -> String? { defer { pending = nil }; return pending }
}
