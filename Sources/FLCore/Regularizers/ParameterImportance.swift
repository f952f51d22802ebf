import Foundation
import FLTensor
import FLData

/// Parameter-importance regularization (online EWC): weight · Σᵢ Fᵢ (θᵢ − θ*ᵢ)² (no ½).
///
/// As stability (source .old) it keeps the anchor θ* and the Fisher F, updated at the end of
/// each task: F ← γF + F_new, θ* ← θ. As Flashback's plastic term (source .primary) it holds
/// (θₚ, Fₚ) with Fₚ computed the same way on the primary model, not accumulated.
/// Fisher: empirical, per sample with its true label, F = (1/n) Σₓ p(y|x)(∇θ log p(y|x))²,
/// log p from the log-softmax over all outputs, net in eval mode (*intended*: the reference
/// uses train mode, which also disturbs batch-norm statistics).
public final class ParameterImportance: Regularizer, @unchecked Sendable {
    public var gamma: Float
    /// F per parameter, in the network's parameter order.
    public private(set) var fisher: [Tensor] = []
    /// θ* (or θₚ) per parameter.
    public private(set) var anchor: [Tensor] = []
    /// Samples the Fisher was estimated on (for inspection).
    public private(set) var fisherSamples = 0
    /// At most this many samples per Fisher estimate (0 = all of the task's data).
    public var maxFisherSamples: Int

    public init(weight: Float = 1, source: KnowledgeSource = .old, gamma: Float = 1, maxFisherSamples: Int = 0) {
        self.gamma = gamma; self.maxFisherSamples = maxFisherSamples
        super.init(weight: weight, source: source)
    }
    public override var kind: String { "ewc" }
    public override var parameters: [(String, Double)] {
        [("lambda", Double(weight)), ("gamma", Double(gamma))] + (maxFisherSamples > 0 ? [("fisher_samples", Double(maxFisherSamples))] : [])
    }
    public var hasKnowledge: Bool { !fisher.isEmpty }

    /// Empirical Fisher of `model` on the given training samples: Σ p(y|x)·(∇ log p(y|x))² over
    /// the samples, divided by their count rounded up to whole batches of `batchSize` when given
    /// (the reference divides by len(train_loader) × batch_size). With `augmentationSeed` the
    /// images are the augmented view the reference's train loader gives (chunk k drawn from a
    /// seed derived from it and k).
    public static func fisher(of model: Network, indices: [Int], experiment exp: Experiment,
                              augmentationSeed: UInt64? = nil, batchSize: Int? = nil) throws -> [Tensor] {
        let params = model.parameters()
        var acc = params.map { Tensor.zeros($0.shape) }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let savedFlags = params.map(\.requiresGrad)
        for p in params { p.requiresGrad = true }
        defer { for (p, f) in zip(params, savedFlags) { p.requiresGrad = f } }
        let labels = exp.data.trainLabels(indices)
        let chunk = 64
        var start = 0
        while start < indices.count {
            let idx = Array(indices[start..<min(indices.count, start + chunk)])
            let x = exp.data.trainImages(idx, augmentationSeed: augmentationSeed.map { deriveSeed($0, UInt64(start)) })
            for k in 0..<idx.count {
                let xi = try x.slice(start: k, end: k + 1)
                model.zeroGrad()
                let logp = try model(xi).logSoftmax()
                let y = labels[start + k]
                let lp = try logp.gatherColumns([y])
                let prob = Foundation.exp(lp.data[0])
                try lp.sum().backward()
                for (a, p) in zip(acc, params) {
                    guard let g = p.grad else { continue }
                    let pa = a.data, pg = g.data
                    for i in 0..<a.count { pa[i] += prob * pg[i] * pg[i] }
                }
            }
            start += chunk
        }
        model.zeroGrad()
        let denominator = batchSize.map { b in (indices.count + b - 1) / b * b } ?? indices.count
        let inv = 1 / Float(max(denominator, 1))
        for a in acc { for i in 0..<a.count { a.data[i] *= inv } }
        acc = acc.map { $0.detach() }
        return acc
    }

    func sampleIndices(_ idx: [Int], exp: Experiment) -> [Int] {
        guard maxFisherSamples > 0, idx.count > maxFisherSamples else { return idx }
        var rng = RNG(seed: deriveSeed(exp.config.seed, 0xF15E, UInt64(idx.count)))
        return Array(rng.permutation(idx.count).prefix(maxFisherSamples).sorted().map { idx[$0] })
    }

    public override func attach(to exp: Experiment) throws -> String? {
        // Swapped in after tasks trained without it: build (θ*, F) from the old model on the
        // data of the tasks already seen.
        guard source == .old, fisher.isEmpty, exp.cursor.task > 0 || exp.completedTasks > 0 else { return nil }
        if exp.oldModel == nil { exp.snapshotOldModel() }
        guard let old = exp.oldModel else { return nil }
        let done = max(exp.completedTasks, exp.cursor.task)
        var idx: [Int] = []
        for t in 0..<done { idx += exp.data.trainIndices(task: t) }
        idx = sampleIndices(idx, exp: exp)
        fisher = try ParameterImportance.fisher(of: old, indices: idx, experiment: exp)
        anchor = old.parameters().map { $0.clone() }
        fisherSamples = idx.count
        return "ewc: computed the Fisher information of the old model on \(idx.count) samples of tasks 0–\(done - 1)"
    }

    public override func loss(student: StudentPass, batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> Tensor? {
        guard !fisher.isEmpty else { return nil }
        let params = exp.net.parameters()
        guard params.count == fisher.count else {
            throw TensorError("ewc: the Fisher has \(fisher.count) tensors but the network has \(params.count) parameters")
        }
        var total: Tensor? = nil
        for (k, p) in params.enumerated() where p.requiresGrad {
            let d = try p - anchor[k]
            let term = try (d.square() * fisher[k]).sum()
            total = try total.map { try $0 + term } ?? term
        }
        return total.map { $0 * weight }
    }

    public override func endTask(context ctx: TaskContext, experiment exp: Experiment) throws {
        guard source == .old else { return }
        let idx = sampleIndices(exp.data.trainIndices(task: ctx.task), exp: exp)
        let fNew = try ParameterImportance.fisher(of: exp.net, indices: idx, experiment: exp,
                                                  augmentationSeed: deriveSeed(exp.config.seed, 0xF15A, UInt64(ctx.task)),
                                                  batchSize: exp.config.batchSize)
        if fisher.isEmpty {
            fisher = fNew
        } else {
            for (f, n) in zip(fisher, fNew) { for i in 0..<f.count { f.data[i] = gamma * f.data[i] + n.data[i] } }
        }
        anchor = exp.net.parameters().map { $0.clone() }
        fisherSamples = idx.count
    }

    public override func buildPlasticKnowledge(context ctx: TaskContext, experiment exp: Experiment) throws {
        guard source == .primary, let primary = exp.primaryModel else { return }
        let idx = sampleIndices(exp.data.trainIndices(task: ctx.task), exp: exp)
        fisher = try ParameterImportance.fisher(of: primary, indices: idx, experiment: exp,
                                                augmentationSeed: deriveSeed(exp.config.seed, 0xF15B, UInt64(ctx.task)),
                                                batchSize: exp.config.batchSize)
        anchor = primary.parameters().map { $0.clone() }
        fisherSamples = idx.count
    }

    public override var knowledgeTensors: [(String, Tensor)] {
        fisher.enumerated().map { ("fisher.\($0.offset)", $0.element) } + anchor.enumerated().map { ("anchor.\($0.offset)", $0.element) }
    }

    public override func restoreKnowledge(_ tensors: [String: Tensor]) throws {
        var f: [Tensor] = [], a: [Tensor] = []
        var i = 0
        while let t = tensors["fisher.\(i)"] { f.append(t.clone()); i += 1 }
        i = 0
        while let t = tensors["anchor.\(i)"] { a.append(t.clone()); i += 1 }
        fisher = f; anchor = a
    }
}

extension RegularizerDeclaration {
    public static let ewc = RegularizerDeclaration(
        kind: "ewc", summary: "Parameter importance (online EWC): λ·Σ F(θ − θ*)². As stability it builds its Fisher from the old model if needed.",
        example: "run.stability = ewc(lambda: 15)",
        parameters: [ParameterDoc("lambda", "1", "penalty weight λ"), ParameterDoc("gamma", "1", "Fisher decay γ"),
                     ParameterDoc("fisher_samples", "0", "cap on samples for the Fisher (0: all)")]) { o, source in
        ParameterImportance(weight: o.float("lambda"), source: source, gamma: o.float("gamma"), maxFisherSamples: try o.int("fisher_samples"))
    }
}
