import Foundation
import FLTensor
import FLData

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

extension MethodDeclaration {
    public static let onlineEWC = MethodDeclaration(
        name: "ewc_on", title: "online EWC", summary: "task loss + λ·Σ F(θ − θ*)²",
        parameters: [ParameterDoc("e_lambda", "10", "penalty weight λ"), ParameterDoc("gamma", "1", "Fisher decay"),
                     ParameterDoc("loss_ce", "0", "1: CE over all outputs (mammoth); 0: BCE on the current head (FL reference)", kind: .flag),
                     ParameterDoc("fisher_samples", "0", "cap on Fisher samples per task (0: all)")]) { o in
        OnlineEWC(lambda: o.float("e_lambda"), gamma: o.float("gamma"), taskLoss: o.flag("loss_ce") ? .ce : .bce,
                  maxFisherSamples: try o.int("fisher_samples"))
    }
}
