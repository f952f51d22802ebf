import Foundation
import FLTensor
import FLData

/// The public ways to advance a run: by a unit of the user's choice, by raw state-machine units
/// (what an interrupted step replays as), or to the end.
extension Experiment {
    /// Advances by `count` units of `unit`. Stops early (state = last completed batch) when the
    /// cancellation flag is set, and at the end of the run.
    @discardableResult
    public func step(_ unit: StepUnit, count: Int = 1) throws -> StepReport {
        var report = StepReport()
        let start = now()
        let notesBefore = notes.count
        var remaining = max(count, 0)
        while remaining > 0 {
            if cancellation.isSet { cancellation.clear(); report.interrupted = true; break }
            let u = try runUnit(&report)
            var done = false
            switch (u, unit) {
            case (.finished, _): remaining = 0
            case (.transition, _): break
            case (.batch(let eoe, let eop, let eot), _):
                switch unit {
                case .batch: done = !eot
                case .epoch: done = eoe
                case .phase: done = eop
                case .task: done = eot
                case .all: done = false
                }
            }
            if done {
                remaining -= 1
                // The end of Phase 1 is not a place to stop: the flashback transition that follows
                // belongs to the phase boundary (it builds the PKB and returns to θ*ₜ₋₁), so a
                // phase step leaves the run at the start of Phase 2 with both knowledge bases ready.
                if unit == .phase, cursor.stage == .flashback, !cancellation.isSet { _ = try runUnit(&report) }
            }
        }
        report.notes = Array(notes[notesBefore...])
        report.seconds = now() - start
        return report
    }

    /// Advances by `count` raw units of the state machine (a batch or a transition). This is
    /// what an interrupted step is replayed as: the state after k units is exactly reproducible.
    @discardableResult
    public func stepUnits(_ count: Int) throws -> StepReport {
        var report = StepReport()
        let start = now()
        let notesBefore = notes.count
        for _ in 0..<max(count, 0) {
            if cancellation.isSet { cancellation.clear(); report.interrupted = true; break }
            if case .finished = try runUnit(&report) { break }
        }
        report.seconds = now() - start
        report.notes = Array(notes[notesBefore...])
        return report
    }

    /// Runs to the end of the benchmark.
    @discardableResult
    public func run() throws -> StepReport { try step(.all) }

    public var isFinished: Bool { cursor.stage == .finished }
}
