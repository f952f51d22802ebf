import Foundation
import FLTensor

/// Flashback's own settings: α_p, Phase 2 epochs and schedule.
public struct FlashbackConfig: Codable, Equatable, Sendable {
    public var alphaP: Float
    public var epochs: Int
    public var milestones: [Int]
    /// Query the primary model in train mode as the reference does (batch statistics);
    /// by default it is queried in eval mode (*intended*).
    public var primaryInTrainMode = false

    public init(alphaP: Float, epochs: Int, milestones: [Int] = [], primaryInTrainMode: Bool = false) {
        self.alphaP = alphaP; self.epochs = epochs; self.milestones = milestones; self.primaryInTrainMode = primaryInTrainMode
    }

    public func validate() throws {
        if !(alphaP >= 0) || !alphaP.isFinite { throw ConfigurationError("flashback: alpha_p must be ≥ 0 (got \(alphaP))") }
        if epochs < 0 { throw ConfigurationError("flashback: epochs must be ≥ 0 (got \(epochs))") }
    }
}

/// Flashback Learning (FLASHBACK.md §1), the two-phase plug-in that wraps any strategy by
/// composition. For every task t > 0:
///
/// ```
/// beginTask   anchor ← frozen copy of θ*ₜ₋₁, before the method's own preparations
/// PHASE 1     the unmodified baseline (the trainer's business: Flashback adds nothing)
/// transition  θₚ ← frozen copy of the network (eval mode, or train mode as the reference)
///             build the plastic knowledge base (PKB) from θₚ
///             network ← anchor, weights and batch-norm statistics alike
///             the method's after-flashback hook (LUCIR re-imprints its new head)
/// PHASE 2     `epochs` epochs, a fresh SGD optimizer, MultiStepLR at `milestones`:
///             L = L_baseline(θ; SKB) + α_p · L_plastic(θ; PKB)
/// ```
///
/// The experiment calls these hooks at its state machine's boundaries; everything Flashback
/// knows — θ*ₜ₋₁, θₚ, the plastic term and its settings — lives here.
public final class Flashback: @unchecked Sendable {
    public var config: FlashbackConfig
    /// The plasticity term; replaceable between any two steps.
    public var plasticity: Regularizer
    /// θ*ₜ₋₁ as the previous task left it: where the transition returns.
    public internal(set) var anchor: Network?
    /// θₚ, the model Phase 1 produced, frozen: the model of the plastic knowledge base.
    public internal(set) var primary: Network?

    public init(config: FlashbackConfig, plasticity: Regularizer) {
        self.config = config; self.plasticity = plasticity
    }
    public var alphaP: Float { config.alphaP }

    /// Whether Phase 2 follows Phase 1 of task t (never at task 0, which has nothing to flash back to).
    func hasPhaseTwo(task t: Int) -> Bool { t > 0 && config.epochs > 0 }

    /// Begin-task hook, before the method's own (LUCIR's imprint, LwF's warm-up): keeps θ*ₜ₋₁.
    func beginTask(_ exp: Experiment) {
        primary = nil
        guard exp.cursor.task > 0 else { return }
        let a = exp.net.copy() as! Network
        a.eval(); a.freeze()
        anchor = a
    }

    /// The flashback: builds the PKB from θₚ, then returns the network to θ*ₜ₋₁.
    func transition(_ exp: Experiment) throws {
        guard let anchor else { return }
        let ctx = exp.context(phase: .flashback)
        let p = exp.net.copy() as! Network
        p.freeze()
        if config.primaryInTrainMode { p.train() } else { p.eval() }
        primary = p
        try plasticity.buildPlasticKnowledge(context: ctx, experiment: exp)
        try exp.net.copyState(from: anchor)
        try exp.strategy.afterFlashback(ctx, experiment: exp)
    }

    /// Phase 2's loss: the baseline's terms plus α_p times the plastic term.
    func addPlasticTerm(to terms: inout LossTerms, batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws {
        terms.add("plastic", try plasticity.loss(student: terms.student, batch: batch, context: ctx, experiment: exp).map { $0 * alphaP })
    }

    /// Swaps the plastic term; in Phase 2, with θₚ at hand, it builds its knowledge at once.
    func replacePlasticity(with r: Regularizer, experiment exp: Experiment) throws -> String? {
        let note = try r.attach(to: exp)
        if exp.cursor.stage == .training && exp.cursor.phase == .flashback && primary != nil {
            try r.buildPlasticKnowledge(context: exp.context(), experiment: exp)
        }
        plasticity = r
        return note
    }
}
