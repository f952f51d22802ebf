import Foundation
import FLTensor
import FLData

/// LUCIR: a cosine classifier (one block per task, learnable scale σ), less-forget feature
/// distillation with λₜ = λ_base·√t, margin ranking on old-class samples, imprinted new heads,
/// herding memory and class-balanced finetuning of the classifier after each task.
/// With Flashback the new head is re-imprinted at the flashback (*intended*: the reference's
/// name check never runs it) and the plastic term is α_p·(λ_base/√t)·mean(1 − cos(f, f_p)).
public final class LUCIR: Strategy, @unchecked Sendable {
    public var lambdaBase: Float
    public var lambdaMR: Float
    public var kMR: Int
    public var margin: Float
    public var fittingEpochs: Int
    public var lrFinetune: Float
    public var imprint: Bool

    public init(bufferSize: Int, lambdaBase: Float = 5, lambdaMR: Float = 1, kMR: Int = 2, margin: Float = 0.5,
                fittingEpochs: Int = 20, lrFinetune: Float = 0.01, imprint: Bool = true) {
        self.lambdaBase = lambdaBase; self.lambdaMR = lambdaMR; self.kMR = kMR; self.margin = margin
        self.fittingEpochs = fittingEpochs; self.lrFinetune = lrFinetune; self.imprint = imprint
        super.init()
        self.bufferSize = bufferSize
        stability = FeatureDistillation(weight: lambdaBase, source: .old, schedule: .sqrtTask)
    }
    public override var name: String { "lucir" }
    public override var bufferPolicy: BufferPolicy? { .herding }
    public override func defaultPlasticity() -> Regularizer {
        FeatureDistillation(weight: lambdaBase, source: .primary, schedule: .inverseSqrtTask)
    }

    public override func validate(_ exp: Experiment) throws {
        try super.validate(exp)
        if kMR < 1 { throw ConfigurationError("lucir: k_mr must be at least 1 (got \(kMR))") }
    }

    public override func prepare(_ exp: Experiment) throws {
        if exp.net.head is CosineClassifier { return }
        let g = exp.geometry
        var rng = RNG(seed: deriveSeed(exp.config.seed, 0x1C17))
        exp.net.head = CosineClassifier(featureDim: exp.net.featureDim, blockSizes: (0..<g.tasks).map { g.size(ofTask: $0) }, rng: &rng)
        setTrainableBlock(0, exp)
    }

    /// Only block t of the head (and σ) trains; the backbone always trains.
    func setTrainableBlock(_ t: Int, _ exp: Experiment) {
        guard let h = exp.net.head as? CosineClassifier else { return }
        for (i, b) in h.blocks.enumerated() { b.requiresGrad = i == t }
        h.sigma.requiresGrad = true
    }

    public override func trainingIndices(task t: Int, experiment exp: Experiment) -> [Int] {
        exp.data.trainIndices(task: t) + (exp.buffer?.indices ?? [])
    }

    /// Imprints block t: w_c = normalize(mean of normalize(f(x))) × mean row norm of the old blocks.
    func imprintBlock(_ ctx: TaskContext, _ exp: Experiment) throws {
        guard let h = exp.net.head as? CosineClassifier, ctx.task > 0 else { return }
        var normSum: Float = 0
        var rows = 0
        for b in h.blocks[0..<ctx.task] {
            let d = b.shape[1]
            for r in 0..<b.shape[0] {
                var s: Float = 0
                for j in 0..<d { s += b.data[r * d + j] * b.data[r * d + j] }
                normSum += s.squareRoot(); rows += 1
            }
        }
        let meanNorm = normSum / Float(max(rows, 1))
        let block = h.blocks[ctx.task]
        let d = block.shape[1]
        let taskIdx = exp.data.trainIndices(task: ctx.task)
        let labels = exp.data.trainLabels(taskIdx)
        for (r, c) in ctx.newClasses.enumerated() {
            let members = zip(taskIdx, labels).filter { $0.1 == c }.map(\.0)
            if members.isEmpty { continue }
            // The augmented view, as the reference's imprint_weights reads the task's train loader.
            let seed = deriveSeed(exp.config.seed, 0x1A9B, UInt64(ctx.task), UInt64(c))
            let f = try Exemplars.features(exp.net, members, exp, augmentationSeed: seed).l2Normalized()
            var mean = [Float](repeating: 0, count: d)
            for i in 0..<members.count { for j in 0..<d { mean[j] += f.data[i * d + j] } }
            let n = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let scale = n > 0 ? meanNorm / n : 0
            for j in 0..<d { block.data[r * d + j] = mean[j] * scale }
        }
    }

    public override func beginTask(_ ctx: TaskContext, experiment exp: Experiment) throws {
        setTrainableBlock(ctx.task, exp)
        if imprint { try imprintBlock(ctx, exp) }
    }

    public override func afterFlashback(_ ctx: TaskContext, experiment exp: Experiment) throws {
        setTrainableBlock(ctx.task, exp)
        if imprint { try imprintBlock(ctx, exp) }
    }

    /// Margin ranking on samples of old classes: for each, the top-k cosine scores among the
    /// new columns ≥ p; mean of max(0, margin − cos_y + cos_j).
    func marginRanking(_ cos: Tensor, _ labels: [Int], _ p: Int) throws -> Tensor? {
        let hard = labels.enumerated().filter { $0.element < p }.map(\.offset)
        let n = cos.shape[1]
        guard !hard.isEmpty, p < n else { return nil }
        let rows = try cos.indexSelect(dim: 0, hard)
        let gt = try rows.gatherColumns(hard.map { labels[$0] })                  // [h]
        let k = min(kMR, n - p)
        let novel = try rows.slice(dim: 1, start: p, end: n).topk(k).values       // [h, k]
        let gtRep = try gt.reshaped([hard.count, 1])
        let hinge = try (novel - gtRep + margin).relu()
        return hinge.mean()
    }

    public func lucirLoss(_ batch: Batch, _ ctx: TaskContext, _ exp: Experiment) throws -> LossTerms {
        guard let h = exp.net.head as? CosineClassifier else { throw ConfigurationError("lucir: the network has no cosine classifier") }
        let f = try exp.net.features(batch.inputs)
        let cos = try h.cosines(f)
        let z = try cos * h.sigma
        var terms = LossTerms(student: StudentPass(logits: z, features: f))
        terms.add("ce", try crossEntropy(z, batch.labels))
        if ctx.task > 0 {
            try addStability(&terms, batch, ctx, exp)
            if lambdaMR != 0 { terms.add("margin_ranking", try marginRanking(cos, batch.labels, ctx.oldClasses).map { $0 * lambdaMR }) }
        }
        return terms
    }

    public override func observe(_ batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> LossTerms {
        try lucirLoss(batch, ctx, exp)
    }

    public override func endTask(_ ctx: TaskContext, experiment exp: Experiment) throws {
        exp.snapshotOldModel()
        try Exemplars.herdingFill(ctx, exp)
        try balancedFinetune(ctx, exp)
    }

    /// Class-balanced finetuning of the classifier on the buffer: `fittingEpochs` epochs, lr_ft,
    /// rate × 0.1 after 10 mini-batches, batch-norm on batch statistics without updating them.
    func balancedFinetune(_ ctx: TaskContext, _ exp: Experiment) throws {
        guard fittingEpochs > 0, let buf = exp.buffer, !buf.isEmpty, let h = exp.net.head as? CosineClassifier else { return }
        let opt = SGD(h.parameters().filter(\.requiresGrad), lr: lrFinetune, momentum: exp.config.momentum,
                      weightDecay: exp.config.weightDecay)
        var sched = MultiStepLR(baseLR: lrFinetune, milestones: [10])
        exp.net.train()
        exp.net.setBatchNormStatisticsFrozen(true)
        defer { exp.net.setBatchNormStatisticsFrozen(false) }
        // The backbone does not train here: keep its parameters out of the graph.
        let body = exp.net.parameters().filter { p in !h.parameters().contains { $0 === p } }
        let saved = body.map(\.requiresGrad)
        for p in body { p.requiresGrad = false }
        defer { for (p, s) in zip(body, saved) { p.requiresGrad = s } }
        let ftCtx = TaskContext(task: ctx.task, geometry: ctx.geometry, phase: ctx.phase, epoch: 0)
        for e in 0..<fittingEpochs {
            for batch in exp.batches(buf.indices, seed: deriveSeed(exp.config.seed, 0xF17, UInt64(ctx.task), UInt64(e)), augment: true) {
                opt.lr = sched.lr
                opt.zeroGrad()
                try lucirLoss(batch, ftCtx, exp).total().backward()
                opt.step()
                sched.step()
            }
        }
        exp.net.zeroGrad()
    }
}

extension MethodDeclaration {
    public static let lucir = MethodDeclaration(
        name: "lucir", title: "LUCIR", summary: "cosine head, less-forget, margin ranking, imprinting, balanced finetuning",
        parameters: [ParameterDoc("buffer_size", "2000", "exemplars in total"), ParameterDoc("lamda_base", "5", "less-forget weight (× √t)"),
                     ParameterDoc("lamda_mr", "1", "margin-ranking weight"), ParameterDoc("k_mr", "2", "hard negatives"),
                     ParameterDoc("mr_margin", "0.5", "margin"), ParameterDoc("fitting_epochs", "20", "balanced finetuning epochs"),
                     ParameterDoc("lr_finetune", "0.01", "finetuning learning rate"), ParameterDoc("imprint_weights", "1", "imprint new heads", kind: .flag)],
        usesBuffer: true) { o in
        LUCIR(bufferSize: try o.int("buffer_size"), lambdaBase: o.float("lamda_base"), lambdaMR: o.float("lamda_mr"),
              kMR: try o.int("k_mr"), margin: o.float("mr_margin"), fittingEpochs: try o.int("fitting_epochs"),
              lrFinetune: o.float("lr_finetune"), imprint: o.flag("imprint_weights"))
    }
}
