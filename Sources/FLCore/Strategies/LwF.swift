import Foundation
import FLTensor
import FLData

/// Plain LwF (Li & Hoiem; mammoth's `lwf`): cross-entropy over the seen columns [0, a) plus
/// α · KD(softmax(z_old/T) ‖ softmax(z/T)) on the old classes' columns, T = 2. Before each
/// task t > 0 the new head is warmed up alone on the task's data (features frozen), as in
/// mammoth. The teacher is the old model on the same augmented batch (mammoth stores teacher
/// logits of non-augmented images on the dataset object; on the fly is the cleaner choice).
public final class LwF: Strategy, @unchecked Sendable {
    public var warmupEpochs: Int

    public init(alpha: Float = 1, temperature: Float = 2, warmupEpochs: Int = 1) {
        self.warmupEpochs = warmupEpochs
        super.init()
        stability = LogitDistillation(weight: alpha, source: .old, columns: .old, form: .softmaxKD, temperature: temperature)
    }
    public override var name: String { "lwf" }

    public override func beginTask(_ ctx: TaskContext, experiment exp: Experiment) throws {
        guard ctx.task > 0, warmupEpochs > 0, let head = exp.net.head as? Linear else { return }
        let p = ctx.oldClasses, a = ctx.seenClasses
        let opt = SGD(head.parameters(), lr: exp.config.lr)
        let idx = trainingIndices(task: ctx.task, experiment: exp)
        exp.net.eval()
        defer { exp.net.train() }
        for e in 0..<warmupEpochs {
            for batch in exp.batches(idx, seed: deriveSeed(exp.config.seed, 0x57A7, UInt64(ctx.task), UInt64(e)), augment: true) {
                opt.zeroGrad()
                let f = try noGrad { try exp.net.inferFeatures(batch.inputs) }
                let z = try head(f).slice(dim: 1, start: p, end: a)
                try crossEntropy(z, batch.labels.map { $0 - p }).backward()
                opt.step()
            }
        }
        exp.net.zeroGrad()
    }

    public override func observe(_ batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> LossTerms {
        var terms = LossTerms(student: try studentPass(batch.inputs, exp))
        let a = ctx.seenClasses
        let z = try terms.student.logits.slice(dim: 1, start: 0, end: a)
        terms.add("ce", try crossEntropy(z, batch.labels))
        if ctx.task > 0 { try addStability(&terms, batch, ctx, exp) }
        return terms
    }
}

extension MethodDeclaration {
    public static let lwf = MethodDeclaration(
        name: "lwf", title: "LwF", summary: "Li & Hoiem: CE + α·KD (T = 2) on old columns, head warm-up",
        parameters: [ParameterDoc("alpha", "1", "distillation weight"), ParameterDoc("softmax_temp", "2", "temperature"),
                     ParameterDoc("warmup_epochs", "1", "new-head warm-up epochs before each task")]) { o in
        LwF(alpha: o.float("alpha"), temperature: o.float("softmax_temp"), warmupEpochs: try o.int("warmup_epochs"))
    }
}
