import Foundation

final class CrossEntropyBackward: GradFunction {
    let inputs: [Tensor]
    let probs: Tensor
    let labels: [Int]
    init(_ z: Tensor, _ probs: Tensor, _ labels: [Int]) { inputs = [z]; self.probs = probs; self.labels = labels }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let (rows, n) = (probs.shape[0], probs.shape[1])
        let scale = g.data[0] / Float(rows)
        let gz = Tensor.empty(probs.shape)
        let pp = probs.data, po = gz.data
        for r in 0..<rows {
            for j in 0..<n { po[r * n + j] = pp[r * n + j] * scale }
            po[r * n + labels[r]] -= scale
        }
        return [gz]
    }
}

/// Mean cross-entropy of logits [B, N] against integer labels in [0, N).
public func crossEntropy(_ logits: Tensor, _ labels: [Int]) throws -> Tensor {
    guard logits.rank == 2 else { throw TensorError("cross_entropy: logits must be [batch, classes], got \(shapeString(logits.shape))") }
    let (rows, n) = (logits.shape[0], logits.shape[1])
    guard labels.count == rows else {
        throw TensorError("cross_entropy: \(labels.count) labels for a batch of \(rows) (logits \(shapeString(logits.shape)))")
    }
    for y in labels where y < 0 || y >= n {
        throw TensorError("cross_entropy: label \(y) out of range for \(n) classes (logits \(shapeString(logits.shape)))")
    }
    let probs = Tensor.empty(logits.shape)
    var loss: Double = 0
    let px = logits.data, pp = probs.data
    for r in 0..<rows {
        let row = px + r * n
        var m = -Float.infinity
        for j in 0..<n { m = Swift.max(m, row[j]) }
        var s: Float = 0
        for j in 0..<n { let e = Foundation.exp(row[j] - m); pp[r * n + j] = e; s += e }
        let inv = 1 / s
        for j in 0..<n { pp[r * n + j] *= inv }
        loss += Double(m + Foundation.log(s) - row[labels[r]])
    }
    let out = Tensor(scalar: Float(loss / Double(Swift.max(rows, 1))))
    return out.record([logits]) { CrossEntropyBackward(logits, probs, labels) }
}

final class BCEBackward: GradFunction {
    let inputs: [Tensor]
    init(_ z: Tensor, _ q: Tensor) { inputs = [z, q] }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let z = inputs[0], q = inputs[1]
        let scale = g.data[0] / Float(z.count)
        var gz: Tensor? = nil, gq: Tensor? = nil
        let pz = z.data, pq = q.data
        if needs[0] {
            let t = Tensor.empty(z.shape); let po = t.data
            for i in 0..<z.count {
                let x = pz[i]
                let s: Float = x >= 0 ? 1 / (1 + Foundation.exp(-x)) : { let e = Foundation.exp(x); return e / (1 + e) }()
                po[i] = (s - pq[i]) * scale
            }
            gz = t
        }
        if needs[1] {
            let t = Tensor.empty(q.shape); let po = t.data
            for i in 0..<z.count { po[i] = -pz[i] * scale }
            gq = t
        }
        return [gz, gq]
    }
}

/// Binary cross-entropy with logits against soft targets in [0, 1], mean over all elements.
public func bceWithLogits(_ logits: Tensor, _ targets: Tensor) throws -> Tensor {
    guard logits.shape == targets.shape else {
        throw TensorError.shapes("bce_with_logits", logits.shape, targets.shape, "logits and targets must have the same shape")
    }
    var loss: Double = 0
    let pz = logits.data, pq = targets.data
    for i in 0..<logits.count {
        let x = pz[i]
        loss += Double(Swift.max(x, 0) - x * pq[i] + Foundation.log1p(Foundation.exp(-Swift.abs(x))))
    }
    let out = Tensor(scalar: Float(loss / Double(Swift.max(logits.count, 1))))
    return out.record([logits, targets]) { BCEBackward(logits, targets) }
}

/// Mean squared error, mean over all elements.
public func mseLoss(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    guard a.shape == b.shape else { throw TensorError.shapes("mse", a.shape, b.shape, "shapes must match") }
    let d = try a - b
    return d.square().mean()
}

/// KL(p ‖ q) summed over the last dimension and averaged over rows, from log q and target p
/// (rows of p sum to 1). Zero-probability targets contribute nothing.
public func klDivergence(logQ: Tensor, p: Tensor) throws -> Tensor {
    guard logQ.shape == p.shape else { throw TensorError.shapes("kl_div", logQ.shape, p.shape, "shapes must match") }
    let rows = logQ.count / Swift.max(logQ.shape.last ?? 1, 1)
    // p·log p is constant w.r.t. q unless p needs grad; build it with the graph anyway.
    let safeP = p.clamp(min: 1e-12)
    let term = try p * (safeP.log() - logQ)
    return term.sum() * (1 / Float(Swift.max(rows, 1)))
}

final class L2NormalizeBackward: GradFunction {
    let inputs: [Tensor]
    let output: Tensor
    let norms: [Float]
    let eps: Float
    init(_ x: Tensor, _ y: Tensor, _ norms: [Float], _ eps: Float) { inputs = [x]; output = y.detach(); self.norms = norms; self.eps = eps }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let (rows, n) = rowsAndWidth(g)
        let gx = Tensor.empty(g.shape)
        let pg = g.data, py = output.data, po = gx.data
        for r in 0..<rows {
            let nr = norms[r]
            if nr > eps {
                // d(x/‖x‖) = (g − y·(y·g)) / ‖x‖
                var dot: Float = 0
                for j in 0..<n { dot += py[r * n + j] * pg[r * n + j] }
                for j in 0..<n { po[r * n + j] = (pg[r * n + j] - py[r * n + j] * dot) / nr }
            } else {
                for j in 0..<n { po[r * n + j] = pg[r * n + j] / eps }
            }
        }
        return [gx]
    }
}

extension Tensor {
    /// x / max(‖x‖₂, eps) over the last dimension (PyTorch's F.normalize).
    public func l2Normalized(eps: Float = 1e-12) throws -> Tensor {
        guard rank >= 1 else { throw TensorError("normalize: needs at least one dimension") }
        let (rows, n) = rowsAndWidth(self)
        let out = Tensor.empty(shape)
        var norms = [Float](repeating: 0, count: rows)
        let px = data, po = out.data
        for r in 0..<rows {
            var s: Float = 0
            for j in 0..<n { s += px[r * n + j] * px[r * n + j] }
            let nr = s.squareRoot()
            norms[r] = nr
            let inv = 1 / Swift.max(nr, eps)
            for j in 0..<n { po[r * n + j] = px[r * n + j] * inv }
        }
        let x = self
        return out.record([x]) { L2NormalizeBackward(x, out, norms, eps) }
    }
}

/// Cosine similarity of matching rows over the last dimension: [B, d] × [B, d] → [B].
public func cosineSimilarity(_ a: Tensor, _ b: Tensor, eps: Float = 1e-8) throws -> Tensor {
    guard a.shape == b.shape else { throw TensorError.shapes("cosine_similarity", a.shape, b.shape, "shapes must match") }
    let prod = try a.l2Normalized(eps: eps) * b.l2Normalized(eps: eps)
    return try prod.sum(dim: -1)
}
