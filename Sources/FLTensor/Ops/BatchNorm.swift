import Foundation

/// How batch-norm normalizes.
public enum BatchNormMode: Sendable, Equatable {
    /// Batch statistics; running statistics updated (training).
    case train
    /// Running statistics (evaluation).
    case eval
    /// Batch statistics without touching the running statistics (LUCIR's balanced finetuning).
    case batchStatsFrozen
}

final class BatchNormBackward: GradFunction {
    let inputs: [Tensor]
    let mean: [Float], invStd: [Float]
    let usesBatchStats: Bool
    /// For the fused batch-norm + ReLU: the output, whose zeros block the gradient.
    let reluOutput: Tensor?
    init(_ x: Tensor, _ gamma: Tensor, _ beta: Tensor, mean: [Float], invStd: [Float], batchStats: Bool, reluOutput: Tensor? = nil) {
        inputs = [x, gamma, beta]; self.mean = mean; self.invStd = invStd; usesBatchStats = batchStats
        self.reluOutput = reluOutput
    }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = inputs[0], gamma = inputs[1]
        let (b, c) = (x.shape[0], x.shape[1])
        let plane = x.count / max(b * c, 1)
        let n = Float(b * plane)
        let gx: Tensor? = needs[0] ? Tensor.empty(x.shape) : nil
        let gg = Tensor.empty([c]), gb = Tensor.empty([c])
        let px = x.data, pgam = gamma.data
        let pgg = gg.data, pgb = gb.data
        let pgx = gx?.data
        // With a fused ReLU the incoming gradient is masked where the output was clipped; the
        // masked copy is made here, in one pass, instead of by a separate ReLU backward.
        var masked: Tensor? = nil
        if let y = reluOutput {
            let m = Tensor.empty(g.shape)
            let py = y.data, pgi = g.data, pm = m.data
            Parallel.ranges(g.count, grain: 32_768) { r in for i in r { pm[i] = py[i] > 0 ? pgi[i] : 0 } }
            masked = m
        }
        let pg = (masked ?? g).data
        mean.withUnsafeBufferPointer { mp in invStd.withUnsafeBufferPointer { ip in
            Parallel.ranges(c, grain: 1) { cs in
                for ci in cs {
                    let m = mp[ci], inv = ip[ci]
                    var sdy: Float = 0, sdyx: Float = 0
                    for bi in 0..<b {
                        let o = (bi * c + ci) * plane
                        for i in 0..<plane { let dy = pg[o + i]; sdy += dy; sdyx += dy * (px[o + i] - m) }
                    }
                    sdyx *= inv                       // Σ dy·x̂
                    pgg[ci] = sdyx
                    pgb[ci] = sdy
                    guard let pgx else { continue }
                    let gm = pgam[ci]
                    if usesBatchStats {
                        let k = gm * inv / n
                        let a = n, s1 = sdy, s2 = sdyx
                        for bi in 0..<b {
                            let o = (bi * c + ci) * plane
                            for i in 0..<plane {
                                let xhat = (px[o + i] - m) * inv
                                pgx[o + i] = k * (a * pg[o + i] - s1 - xhat * s2)
                            }
                        }
                    } else {
                        let k = gm * inv
                        for bi in 0..<b {
                            let o = (bi * c + ci) * plane
                            for i in 0..<plane { pgx[o + i] = pg[o + i] * k }
                        }
                    }
                }
            }
        } }
        return [gx, needs[1] ? gg : nil, needs[2] ? gb : nil]
    }
}

/// Batch normalization over [B, C, …] per channel C, PyTorch semantics: biased variance to
/// normalize, unbiased variance in the running estimate, `running ← (1−m)·running + m·batch`.
public func batchNorm(_ x: Tensor, weight gamma: Tensor, bias beta: Tensor,
                      runningMean: Tensor, runningVar: Tensor,
                      mode: BatchNormMode, momentum: Float = 0.1, eps: Float = 1e-5) throws -> Tensor {
    try batchNorm(x, weight: gamma, bias: beta, runningMean: runningMean, runningVar: runningVar, mode: mode,
                  momentum: momentum, eps: eps, relu: false)
}

/// Batch normalization followed by ReLU in one pass (and one backward pass): the
/// conv → BN → ReLU pattern of ResNet without the intermediate tensor.
public func batchNormReLU(_ x: Tensor, weight gamma: Tensor, bias beta: Tensor,
                          runningMean: Tensor, runningVar: Tensor,
                          mode: BatchNormMode, momentum: Float = 0.1, eps: Float = 1e-5) throws -> Tensor {
    try batchNorm(x, weight: gamma, bias: beta, runningMean: runningMean, runningVar: runningVar, mode: mode,
                  momentum: momentum, eps: eps, relu: true)
}

/// 1/√(var + ε): shared by `batchNorm` and the fused inference convolution, so both round alike.
@inline(__always)
func batchNormInvStd(_ v: Float, _ eps: Float) -> Float { 1 / (v + eps).squareRoot() }

/// The per-channel affine map of a normalization: y = x·scale + shift.
@inline(__always)
func batchNormAffine(gamma: Float, beta: Float, mean: Float, invStd: Float) -> (scale: Float, shift: Float) {
    let scale = gamma * invStd
    return (scale, beta - mean * scale)
}

func batchNorm(_ x: Tensor, weight gamma: Tensor, bias beta: Tensor,
               runningMean: Tensor, runningVar: Tensor,
               mode: BatchNormMode, momentum: Float, eps: Float, relu: Bool) throws -> Tensor {
    guard x.rank >= 2 else { throw TensorError("batch_norm: input must be [batch, channels, …], got \(shapeString(x.shape))") }
    let (b, c) = (x.shape[0], x.shape[1])
    for (name, t) in [("weight", gamma), ("bias", beta), ("running_mean", runningMean), ("running_var", runningVar)] where t.shape != [c] {
        throw TensorError.shapes("batch_norm", x.shape, t.shape, "\(name) must have one value per channel")
    }
    let plane = x.count / max(b * c, 1)
    let useBatch = mode != .eval
    if useBatch && b * plane < 2 && mode == .train {
        throw TensorError("batch_norm: training needs more than one value per channel, got input \(shapeString(x.shape))")
    }
    let out = Tensor.empty(x.shape)
    var means = [Float](repeating: 0, count: c)
    var invs = [Float](repeating: 0, count: c)
    let px = x.data, po = out.data, pgam = gamma.data, pbet = beta.data
    let prm = runningMean.data, prv = runningVar.data
    let n = b * plane
    means.withUnsafeMutableBufferPointer { mp in invs.withUnsafeMutableBufferPointer { ip in
        Parallel.ranges(c, grain: 1) { cs in
            for ci in cs {
                var m: Float, v: Float
                if useBatch {
                    var s: Float = 0
                    for bi in 0..<b { let o = (bi * c + ci) * plane; for i in 0..<plane { s += px[o + i] } }
                    m = s / Float(n)
                    var sq: Float = 0
                    for bi in 0..<b { let o = (bi * c + ci) * plane; for i in 0..<plane { let d = px[o + i] - m; sq += d * d } }
                    v = sq / Float(n)
                    if mode == .train {
                        prm[ci] = (1 - momentum) * prm[ci] + momentum * m
                        let unbiased = n > 1 ? sq / Float(n - 1) : v
                        prv[ci] = (1 - momentum) * prv[ci] + momentum * unbiased
                    }
                } else {
                    m = prm[ci]; v = prv[ci]
                }
                let inv = batchNormInvStd(v, eps)
                mp[ci] = m; ip[ci] = inv
                let (scale, shift) = batchNormAffine(gamma: pgam[ci], beta: pbet[ci], mean: m, invStd: inv)
                for bi in 0..<b {
                    let o = (bi * c + ci) * plane
                    if relu { for i in 0..<plane { po[o + i] = Swift.max(px[o + i] * scale + shift, 0) } }
                    else { for i in 0..<plane { po[o + i] = px[o + i] * scale + shift } }
                }
            }
        }
    } }
    let frozenM = means, frozenI = invs
    return out.record([x, gamma, beta]) {
        BatchNormBackward(x, gamma, beta, mean: frozenM, invStd: frozenI, batchStats: useBatch, reluOutput: relu ? out.detach() : nil)
    }
}
