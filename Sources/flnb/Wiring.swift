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
    SessionHooks.interruptedStep = { units in ReplayNotes.pendingUnits = units }
    return interp
}

/// What the last interrupted step completed, turned by the session into a replay line.
enum ReplayNotes {
    nonisolated(unsafe) static var pendingUnits: Int?

    /// `name.step("unit", n)` for the run the interrupted input stepped (the receiver of its
    /// last `.step(` or `.run(` call), or nil when there is nothing to replay.
    static func take(for source: String) -> String? {
        defer { pendingUnits = nil }
        guard let n = pendingUnits else { return nil }
        let pattern = try! NSRegularExpression(pattern: "([A-Za-z_][A-Za-z0-9_]*)\\s*\\.\\s*(step|run)\\s*\\(")
        let range = NSRange(source.startIndex..., in: source)
        guard let match = pattern.matches(in: source, range: range).last, let r = Range(match.range(at: 1), in: source) else { return nil }
        return "\(source[r]).step(\"unit\", \(n))  # an interrupted step, replayed exactly"
    }
}
