import Foundation
import FLTensor
import FLData

/// DER and DER++: cross-entropy on the stream plus α · MSE to logits stored in a reservoir
/// buffer (and, for DER++, β · CE on a second buffer draw). The stored logits are the
/// network's outputs on the stream batch before the optimizer step.
public final class DER: Strategy, @unchecked Sendable {
    public let plusPlus: Bool

    public init(bufferSize: Int, alpha: Float, beta: Float = 0, plusPlus: Bool = false) {
        self.plusPlus = plusPlus
        super.init()
        self.bufferSize = bufferSize
        stability = LogitReplay(alpha: alpha, beta: plusPlus ? beta : 0)
    }
    public override var name: String { plusPlus ? "derpp" : "der" }
    public override var bufferPolicy: BufferPolicy? { .reservoir }
    public override var storesLogits: Bool { true }
    public override var hyperparameters: [(String, Double)] {
        var h: [(String, Double)] = [("buffer_size", Double(bufferSize))]
        if let r = stability as? LogitReplay {
            h.append(("alpha", Double(r.weight)))
            if plusPlus { h.append(("beta", Double(r.beta))) }
        }
        return h
    }
    public override func defaultPlasticity() -> Regularizer { LogitReplay(alpha: 1, source: .primary) }

    public override func observe(_ batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> LossTerms {
        var terms = LossTerms(student: try studentPass(batch.inputs, exp))
        terms.add("ce", try crossEntropy(terms.student.logits, batch.labels))
        try addStability(&terms, batch, ctx, exp)
        return terms
    }

    public override func afterStep(_ batch: Batch, terms: LossTerms, context ctx: TaskContext, experiment exp: Experiment) throws {
        // Both phases feed the reservoir: with Flashback a task's stream is seen over
        // epoch_cl + epoch_fl epochs, the same exposure as the original run's epoch_cl, so every
        // task keeps its share of the buffer (feeding only Phase 1 left task 0, trained for
        // epoch_base epochs, with most of it).
        guard let buf = exp.buffer else { return }
        buf.addReservoir(indices: batch.indices, labels: batch.labels, task: ctx.task, logits: terms.student.logits.detach())
    }
}

/// Online EWC: the task loss plus λ_e · Σ F (θ − θ*)². Two task losses exist and both are
/// needed: `.bce` (the Flashback reference: BCE on the current head's columns) and `.ce`
/// (mammoth / the DER paper: cross-entropy over all outputs).
public final class OnlineEWC: Strategy, @unchecked Sendable {
    public enum TaskLoss: String, Codable, Sendable { case bce, ce }
    public var taskLoss: TaskLoss

    public init(lambda: Float, gamma: Float = 1, taskLoss: TaskLoss = .bce, maxFisherSamples: Int = 0) {
        self.taskLoss = taskLoss
        super.init()
        stability = ParameterImportance(weight: lambda, source: .old, gamma: gamma, maxFisherSamples: maxFisherSamples)
    }
    public override var name: String { "ewc_on" }
    public override var hyperparameters: [(String, Double)] {
        var h: [(String, Double)] = [("loss_ce", taskLoss == .ce ? 1 : 0)]
        if let s = stability as? ParameterImportance { h = [("e_lambda", Double(s.weight)), ("gamma", Double(s.gamma))] + h }
        return h
    }
    public override func defaultPlasticity() -> Regularizer {
        let s = stability as? ParameterImportance
        return ParameterImportance(weight: 1, source: .primary, gamma: 1, maxFisherSamples: s?.maxFisherSamples ?? 0)
    }

    public override func observe(_ batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> LossTerms {
        var terms = LossTerms(student: try studentPass(batch.inputs, exp))
        switch taskLoss {
        case .ce:
            terms.add("ce", try crossEntropy(terms.student.logits, batch.labels))
        case .bce:
            let p = ctx.oldClasses, a = ctx.seenClasses
            let z = try terms.student.logits.slice(dim: 1, start: p, end: a)
            terms.add("bce", try bceWithLogits(z, oneHot(batch.labels.map { $0 - p }, classes: a - p)))
        }
        try addStability(&terms, batch, ctx, exp)
        return terms
    }
}
