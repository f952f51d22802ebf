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

extension MethodDeclaration {
    public static let der = MethodDeclaration(
        name: "der", title: "DER", summary: "CE + α·MSE to logits in a reservoir buffer",
        parameters: [ParameterDoc("buffer_size", "500", "buffer size"), ParameterDoc("alpha", "1", "logit replay weight")],
        usesBuffer: true) { o in DER(bufferSize: try o.int("buffer_size"), alpha: o.float("alpha")) }

    public static let derpp = MethodDeclaration(
        name: "derpp", title: "DER++", summary: "DER + β·CE on a second buffer draw",
        parameters: [ParameterDoc("buffer_size", "500", "buffer size"), ParameterDoc("alpha", "1", "logit replay weight"),
                     ParameterDoc("beta", "0.5", "label replay weight")],
        usesBuffer: true) { o in DER(bufferSize: try o.int("buffer_size"), alpha: o.float("alpha"), beta: o.float("beta"), plusPlus: true) }
}
