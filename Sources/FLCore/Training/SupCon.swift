import Foundation
import FLTensor
import FLData

/// Supervised contrastive loss (Khosla et al. 2020) reduced as the reference's
/// `utils/simclrloss.py` with `reduction='sum'` and base temperature = τ (X-DER's use): each
/// anchor's loss is averaged over the V views of its sample, then summed over the N samples.
/// `features` [N·V, d] are L2-normalized, rows of one sample adjacent (views interleaved);
/// positives of an anchor are the other views of every sample with its label.
/// loss = Σ_samples mean_views −mean_{p ∈ P(i)} log( exp(s_ip/τ) / Σ_{a ≠ i} exp(s_ia/τ) )
///      = (1/V) Σ_anchors (…).
public func supConLoss(features: Tensor, labels: [Int], views: Int, temperature: Float) throws -> Tensor {
    let rows = features.shape[0]
    guard rows == labels.count * views else {
        throw TensorError("supcon: \(rows) feature rows for \(labels.count) samples × \(views) views")
    }
    let rowLabels = labels.flatMap { Array(repeating: $0, count: views) }
    let sim = try matmul(features, features.transposed()) * (1 / temperature)     // [R, R]
    // Exclude self-similarity from the denominator with a large negative fill.
    let eye = Tensor.zeros([rows, rows])
    for i in 0..<rows { eye.data[i * rows + i] = 1 }
    let logProb = try sim.maskedFill(eye, -1e9).logSoftmax()
    let pos = Tensor.zeros([rows, rows])
    var counts = [Float](repeating: 0, count: rows)
    for i in 0..<rows { for j in 0..<rows where i != j && rowLabels[i] == rowLabels[j] { pos.data[i * rows + j] = 1; counts[i] += 1 } }
    let perAnchor = try (logProb * pos).sum(dim: 1)                                 // [R]
    let inv = Tensor(counts.map { $0 > 0 ? -1 / $0 : 0 })
    return try (perAnchor * inv).sum() * (1 / Float(views))
}

/// Strong augmentation in tensor space for contrastive views: random resized crop (scale
/// 0.2–1, aspect 3/4–4/3, bilinear), horizontal flip, and brightness/contrast jitter. The
/// reference applies torchvision's pipeline to images before normalization; this works on
/// normalized tensors, which keeps it a pure function of the seed.
public enum StrongAugmentation {
    public static func apply(_ x: Tensor, rng: inout RNG) -> Tensor {
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let out = Tensor.empty(x.shape)
        for i in 0..<b {
            let area = Float(h * w) * rng.uniform(0.2, 1)
            let logR = rng.uniform(Foundation.log(3.0 / 4.0), Foundation.log(4.0 / 3.0))
            let ratio = Foundation.exp(logR)
            let cw = max(1, min(w, Int((area * ratio).squareRoot().rounded())))
            let ch = max(1, min(h, Int((area / ratio).squareRoot().rounded())))
            let top = rng.int(below: h - ch + 1), left = rng.int(below: w - cw + 1)
            let flip = rng.bernoulli(0.5)
            let jitter = rng.bernoulli(0.8)
            let bright = jitter ? rng.uniform(-0.4, 0.4) : 0
            let contrast = jitter ? rng.uniform(0.6, 1.4) : 1
            for ch0 in 0..<c {
                let src = x.data + (i * c + ch0) * h * w
                let dst = out.data + (i * c + ch0) * h * w
                var mean: Float = 0
                for y in 0..<h { for xx in 0..<w {
                    // Bilinear sample of the crop at output (y, xx).
                    let sy = Float(top) + (Float(y) + 0.5) * Float(ch) / Float(h) - 0.5
                    var sx = Float(left) + (Float(xx) + 0.5) * Float(cw) / Float(w) - 0.5
                    if flip { sx = Float(left + cw - 1) - (sx - Float(left)) }
                    let y0 = max(0, min(h - 1, Int(sy.rounded(.down)))), x0 = max(0, min(w - 1, Int(sx.rounded(.down))))
                    let y1 = min(h - 1, y0 + 1), x1 = min(w - 1, x0 + 1)
                    let fy = max(0, min(1, sy - Float(y0))), fx = max(0, min(1, sx - Float(x0)))
                    let v = (1 - fy) * ((1 - fx) * src[y0 * w + x0] + fx * src[y0 * w + x1])
                        + fy * ((1 - fx) * src[y1 * w + x0] + fx * src[y1 * w + x1])
                    dst[y * w + xx] = v
                    mean += v
                } }
                mean /= Float(h * w)
                for k in 0..<(h * w) { dst[k] = (dst[k] - mean) * contrast + mean + bright }
            }
        }
        return out
    }
}
