import Foundation
import FLTensor
import FLData

/// Changing a run between steps: the stability and plasticity terms; each change is recorded
/// in the run's history so that a notebook replays it.
extension Experiment {
    /// Replaces the baseline's stability term (between any two steps); returns the
    /// regularizer's note when it had to build knowledge.
    @discardableResult
    public func setStability(_ r: Regularizer?, record: String? = nil) throws -> String? {
        let note = try r?.attach(to: self)
        strategy.stability = r
        history.append(record ?? "stability = \(r?.description ?? "nil")")
        if let note { notes.append(note) }
        return note
    }

    /// Replaces Flashback's plasticity term.
    @discardableResult
    public func setPlasticity(_ r: Regularizer, record: String? = nil) throws -> String? {
        guard let fb = flashback else { throw ConfigurationError("this run has no flashback: there is no plasticity term to replace") }
        let note = try fb.replacePlasticity(with: r, experiment: self)
        history.append(record ?? "plasticity = \(r.description)")
        if let note { notes.append(note) }
        return note
    }
}
