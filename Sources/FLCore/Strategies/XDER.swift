import Foundation
import FLTensor
import FLData

/// X-DER (eXtended DER): stream CE on the current head; α·MSE to stored logits over all N
/// columns and β·CE on the past heads (two independent buffer draws); SupCon on the future
/// heads (t < T−1); past and future margin constraints; online and end-of-task logit
/// transplant. Heads follow the benchmark geometry, so C0 ≠ K works (the reference assumes
/// C0 = K). With Flashback the plastic term is α_p·MSE(z(x_b3), z_p(x_b3)) over all N
/// columns; transplants made by the primary model in Phase 1 stay in the buffer.
public final class XDER: Strategy, @unchecked Sendable {
    public var gamma: Float
    public var lambda: Float
    public var eta: Float
    public var m: Float
    public var simclrBatch: Int
    public var simclrTemperature: Float
    /// Strong-augmentation views per SupCon image (the reference's `simclr_num_aug`).
    public var simclrViews: Int

    public init(bufferSize: Int, alpha: Float = 0.6, beta: Float = 0.9, gamma: Float = 0.85, lambda: Float = 0.05,
                eta: Float = 0.01, m: Float = 0.2, simclrBatch: Int = 64, simclrTemperature: Float = 5, simclrViews: Int = 2) {
        self.gamma = gamma; self.lambda = lambda; self.eta = eta; self.m = m
        self.simclrBatch = simclrBatch; self.simclrTemperature = simclrTemperature; self.simclrViews = simclrViews
        super.init()
        self.bufferSize = bufferSize
        stability = LogitReplay(alpha: alpha, beta: beta, labelsOnPastHeads: true)
    }
    public override var name: String { "xder" }
    public override var bufferPolicy: BufferPolicy? { .classBalanced }
    public override var storesLogits: Bool { true }
    public override func defaultPlasticity() -> Regularizer { LogitReplay(alpha: 1, source: .primary) }

    public override func validate(_ exp: Experiment) throws {
        try super.validate(exp)
        if simclrViews < 1 { throw ConfigurationError("xder: simclr_num_aug must be at least 1 (got \(simclrViews))") }
    }

    /// The γ rule: within `cols`, when the largest output exceeds the stored ground-truth logit g,
    /// scale those outputs by γ·g/max; then write them into `stored` (row r).
    func transplant(stored: Tensor, row r: Int, outputs: Tensor, outRow: Int, label: Int, cols: Range<Int>) {
        guard !cols.isEmpty else { return }
        let n = stored.shape[1]
        let g = stored.data[r * n + label]
        var mx = -Float.infinity
        for c in cols { mx = max(mx, outputs.data[outRow * n + c]) }
        let scale: Float = mx > g ? gamma * g / mx : 1
        for c in cols { stored.data[r * n + c] = outputs.data[outRow * n + c] * scale }
    }

    /// Columns of heads t…T−1.
    func futureColumns(from t: Int, _ g: TaskGeometry) -> Range<Int> { g.offset(ofTask: t)..<g.totalClasses }

    public override func observe(_ batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> LossTerms {
        let g = ctx.geometry
        let p = ctx.oldClasses, a = ctx.seenClasses, n = g.totalClasses
        var terms = LossTerms(student: try studentPass(batch.inputs, exp))
        let z = terms.student.logits
        terms.add("ce_stream", try crossEntropy(z.slice(dim: 1, start: p, end: a), batch.labels.map { $0 - p }))
        try addStability(&terms, batch, ctx, exp)

        // Buffer outputs of this step's draws, deduplicated (the future constraint and the
        // transplant use them).
        var bufRows: [Tensor] = []
        var bufSlots: [Int] = []
        if let replay = stability as? LogitReplay, let buf = exp.buffer {
            var seen = Set<Int>()
            for d in replay.lastDraws {
                for (k, s) in d.slots.enumerated() where !seen.contains(s) {
                    seen.insert(s)
                    bufSlots.append(s)
                    bufRows.append(try d.outputs.slice(start: k, end: k + 1))
                }
            }
            // Online transplant: a past-task sample, chosen with probability 1/(times drawn).
            if ctx.task > 0, let stored = buf.logits {
                for (k, s) in bufSlots.enumerated() where (g.task(ofClass: buf.labels[s]) ?? g.tasks - 1) < ctx.task {
                    buf.drawCounts[s] += 1
                    if exp.rng.uniform() * Float(buf.drawCounts[s]) < 1 {
                        let out = bufRows[k].detach()
                        let row = Tensor.empty([1, n]); row.data.update(from: stored.data + s * n, count: n)
                        transplant(stored: row, row: 0, outputs: out, outRow: 0, label: buf.labels[s], cols: futureColumns(from: ctx.task, g))
                        buf.setLogits(slot: s, from: row, row: 0)
                        buf.setTask(slot: s, ctx.task)
                    }
                }
            }
        }

        // SupCon on the future heads.
        if ctx.task < g.tasks - 1 && lambda != 0 {
            terms.add("supcon", try supConTerm(batch, ctx, exp).map { $0 * lambda })
        }

        // Past constraint: the current head's best probability should beat the old heads' by m.
        if ctx.task > 0 && eta != 0 {
            let prob = try z.slice(dim: 1, start: 0, end: a).softmax()
            let good = try prob.slice(dim: 1, start: p, end: a).max(dim: 1).values
            let bad = try prob.slice(dim: 1, start: 0, end: p).max(dim: 1).values.detach()
            terms.add("past_constraint", try positiveMean(bad + m - good).map { $0 * eta })
        }

        // Future constraint: future logits should stay m below the sample's own head.
        if ctx.task < g.tasks - 1 && eta != 0 {
            var bads = [try z.slice(dim: 1, start: a, end: n).max(dim: 1).values]
            var goods = [try z.slice(dim: 1, start: p, end: a).max(dim: 1).values]
            if let buf = exp.buffer, !bufRows.isEmpty {
                let rows = try concat(bufRows, dim: 0)
                bads.append(try rows.slice(dim: 1, start: a, end: n).max(dim: 1).values)
                var own: [Tensor] = []
                for (k, s) in bufSlots.enumerated() {
                    let cols = g.classes(ofTask: g.task(ofClass: buf.labels[s]) ?? g.tasks - 1)
                    own.append(try rows.slice(start: k, end: k + 1).slice(dim: 1, start: cols.lowerBound, end: cols.upperBound).max(dim: 1).values)
                }
                goods.append(try concat(own, dim: 0))
            }
            let diff = try concat(bads, dim: 0) + m - concat(goods, dim: 0)
            terms.add("future_constraint", try positiveMean(diff).map { $0 * eta })
        }
        return terms
    }

    /// Mean over the positive entries (nil when none is positive).
    func positiveMean(_ x: Tensor) throws -> Tensor? {
        let mask = Tensor.empty(x.shape)
        var any = false
        for i in 0..<x.count { let pos = x.data[i] > 0; mask.data[i] = pos ? 1 : 0; any = any || pos }
        guard any else { return nil }
        let count = mask.toArray().reduce(0, +)
        return try (x * mask).sum() * (1 / count)
    }

    /// SupCon (τ = simclr_temp) over simclr_num_aug strong augmentations of up to simclr_batch buffer and
    /// stream images, per future head on L2-normalized logits; summed over heads and divided by
    /// (heads × samples), as the reference does.
    func supConTerm(_ batch: Batch, _ ctx: TaskContext, _ exp: Experiment) throws -> Tensor? {
        let g = ctx.geometry
        guard let raw = batch.raw else { return nil }
        var labels = Array(batch.labels.prefix(simclrBatch))
        var images = [try raw.slice(start: 0, end: labels.count)]
        if let buf = exp.buffer, !buf.isEmpty {
            let slots = buf.sampleSlots(simclrBatch)
            images.insert(exp.data.trainImages(slots.map { buf.indices[$0] }, augmentationSeed: nil), at: 0)
            labels = slots.map { buf.labels[$0] } + labels
        }
        let x = try concat(images, dim: 0)
        let nSamples = labels.count
        var rng = RNG(seed: deriveSeed(exp.config.seed, 0x5C1, UInt64(exp.globalStep)))
        // Views interleaved: sample i has rows V·i …< V·(i+1). Drawn one whole view after another.
        let views = interleave((0..<simclrViews).map { _ in StrongAugmentation.apply(x, rng: &rng) })
        exp.net.setBatchNormStatisticsFrozen(true)
        defer { exp.net.setBatchNormStatisticsFrozen(false) }
        let out = try exp.net(views)
        var total: Tensor? = nil
        let heads = (ctx.task + 1)..<g.tasks
        for h in heads {
            let cols = g.classes(ofTask: h)
            let f = try out.slice(dim: 1, start: cols.lowerBound, end: cols.upperBound).l2Normalized()
            let l = try supConLoss(features: f, labels: labels, views: simclrViews, temperature: simclrTemperature)
            total = try total.map { try $0 + l } ?? l
        }
        return total.map { $0 * (1 / Float(heads.count * nSamples)) }
    }

    /// Rows of the same sample adjacent: row V·i + v is view v of sample i.
    func interleave(_ views: [Tensor]) -> Tensor {
        let first = views[0], n = first.shape[0], v = views.count
        let per = first.count / max(n, 1)
        let out = Tensor.empty([v * n] + Array(first.shape.dropFirst()))
        for i in 0..<n {
            for (k, view) in views.enumerated() { (out.data + (v * i + k) * per).update(from: view.data + i * per, count: per) }
        }
        return out
    }

    public override func endTask(_ ctx: TaskContext, experiment exp: Experiment) throws {
        guard let buf = exp.buffer, let stored = buf.logits else { return }
        let g = ctx.geometry
        let n = g.totalClasses
        exp.net.train()
        exp.net.setBatchNormStatisticsFrozen(true)
        defer { exp.net.setBatchNormStatisticsFrozen(false) }
        // 1. Shrink the past classes to ⌊B / #seen⌋ each.
        if ctx.task > 0 { buf.shrink(perClass: buf.capacity / max(ctx.seenClasses, 1)) }
        _ = stored
        // 2. Fill the free slots evenly over the new classes (extra slots to random classes).
        let free = buf.capacity - buf.count
        let k = g.size(ofTask: ctx.task)
        var quota = [Int](repeating: free / max(k, 1), count: k)
        let extra = free - (free / max(k, 1)) * k
        for c in buf.rng.permutation(k).prefix(extra) { quota[c] += 1 }
        let idx = exp.data.trainIndices(task: ctx.task)
        let loaderSeed = deriveSeed(exp.config.seed, 0xE7D, UInt64(ctx.task))
        try noGrad {
            for batch in exp.batches(idx, seed: loaderSeed, augment: true) {
                if quota.allSatisfy({ $0 == 0 }) { break }
                let out = try exp.net(batch.inputs)
                if ctx.task > 0 {
                    // The γ rule on the old heads' columns of the new samples' logits.
                    for r in 0..<batch.count {
                        transplant(stored: out, row: r, outputs: out.clone(), outRow: r, label: batch.labels[r], cols: 0..<ctx.oldClasses)
                    }
                }
                for r in 0..<batch.count {
                    let c = batch.labels[r] - ctx.oldClasses
                    guard c >= 0, c < k, quota[c] > 0 else { continue }
                    quota[c] -= 1
                    buf.append(index: batch.indices[r], label: batch.labels[r], task: ctx.task, logits: out, rowIndex: r)
                }
            }
            // 3. Re-forward the past samples and transplant their future columns.
            if ctx.task > 0, let current = buf.logits {
                let slots = Array(0..<buf.count)
                var s = 0
                while s < slots.count {
                    let chunk = Array(slots[s..<min(slots.count, s + exp.config.batchSize)])
                    let x = exp.data.trainImages(chunk.map { buf.indices[$0] },
                                                 augmentationSeed: deriveSeed(loaderSeed, UInt64(s)))
                    let out = try exp.net(x)
                    for (r, slot) in chunk.enumerated() where (g.task(ofClass: buf.labels[slot]) ?? g.tasks - 1) < ctx.task {
                        let row = Tensor.empty([1, n]); row.data.update(from: current.data + slot * n, count: n)
                        transplant(stored: row, row: 0, outputs: out, outRow: r, label: buf.labels[slot], cols: futureColumns(from: ctx.task, g))
                        buf.setLogits(slot: slot, from: row, row: 0)
                        buf.setTask(slot: slot, ctx.task)
                    }
                    s += chunk.count
                }
            }
        }
        buf.drawCounts = Array(repeating: 0, count: buf.capacity)
    }
}

extension MethodDeclaration {
    public static let xder = MethodDeclaration(
        name: "xder", title: "X-DER", summary: "DER with transplant, SupCon on future heads, margin constraints",
        parameters: [ParameterDoc("buffer_size", "2000", "buffer size"), ParameterDoc("alpha", "0.6", "logit replay"),
                     ParameterDoc("beta", "0.9", "label replay (past heads)"), ParameterDoc("gamma", "0.85", "transplant scale"),
                     ParameterDoc("lambd", "0.05", "SupCon weight"), ParameterDoc("eta", "0.01", "constraint weight"),
                     ParameterDoc("m", "0.2", "constraint margin"), ParameterDoc("simclr_batch_size", "64", "SupCon images"),
                     ParameterDoc("simclr_temp", "5", "SupCon temperature"),
                     ParameterDoc("simclr_num_aug", "2", "SupCon views per image")],
        usesBuffer: true) { o in
        XDER(bufferSize: try o.int("buffer_size"), alpha: o.float("alpha"), beta: o.float("beta"),
             gamma: o.float("gamma"), lambda: o.float("lambd"), eta: o.float("eta"), m: o.float("m"),
             simclrBatch: try o.int("simclr_batch_size"), simclrTemperature: o.float("simclr_temp"),
             simclrViews: try o.int("simclr_num_aug"))
    }
}
