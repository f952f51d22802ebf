import Foundation

final class MaxPoolBackward: GradFunction {
    let inputs: [Tensor]
    let argmax: [Int32]     // flat input offset within the plane for each output element
    init(_ x: Tensor, _ argmax: [Int32]) { inputs = [x]; self.argmax = argmax }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = inputs[0]
        let gx = Tensor.zeros(x.shape)
        let planes = x.shape[0] * x.shape[1]
        let inPlane = x.shape[2] * x.shape[3]
        let outPlane = g.shape[2] * g.shape[3]
        let pg = g.data, po = gx.data
        argmax.withUnsafeBufferPointer { am in
            Parallel.ranges(planes, grain: max(1, 8192 / max(outPlane, 1))) { r in
                for pl in r {
                    let dst = po + pl * inPlane
                    for i in 0..<outPlane { dst[Int(am[pl * outPlane + i])] += pg[pl * outPlane + i] }
                }
            }
        }
        return [gx]
    }
}

final class AvgPoolBackward: GradFunction {
    let inputs: [Tensor]
    let kernel: Int, stride: Int
    init(_ x: Tensor, _ k: Int, _ s: Int) { inputs = [x]; kernel = k; stride = s }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = inputs[0]
        let gx = Tensor.zeros(x.shape)
        let (h, w) = (x.shape[2], x.shape[3]), (ho, wo) = (g.shape[2], g.shape[3])
        let planes = x.shape[0] * x.shape[1]
        let scale = 1 / Float(kernel * kernel)
        let pg = g.data, po = gx.data
        for pl in 0..<planes {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let v = pg[(pl * ho + oy) * wo + ox] * scale
                    for ky in 0..<kernel { for kx in 0..<kernel {
                        po[(pl * h + oy * stride + ky) * w + ox * stride + kx] += v
                    } }
                }
            }
        }
        return [gx]
    }
}

final class GlobalAvgPoolBackward: GradFunction {
    let inputs: [Tensor]
    init(_ x: Tensor) { inputs = [x] }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = inputs[0]
        let plane = x.shape[2] * x.shape[3]
        let gx = Tensor.empty(x.shape)
        let scale = 1 / Float(plane)
        let pg = g.data, po = gx.data
        for pl in 0..<(x.shape[0] * x.shape[1]) { (po + pl * plane).update(repeating: pg[pl] * scale, count: plane) }
        return [gx]
    }
}

func checkImage(_ x: Tensor, _ op: String) throws {
    guard x.rank == 4 else { throw TensorError("\(op): input must be [batch, channels, height, width], got \(shapeString(x.shape))") }
}

/// Max pooling with a square window (no padding); gradient to the first maximum.
public func maxPool2d(_ x: Tensor, kernel: Int = 2, stride: Int? = nil) throws -> Tensor {
    try checkImage(x, "max_pool2d")
    let s = stride ?? kernel
    let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    guard kernel >= 1, s >= 1, h >= kernel, w >= kernel else {
        throw TensorError("max_pool2d: window \(kernel) (stride \(s)) does not fit input \(shapeString(x.shape))")
    }
    let ho = (h - kernel) / s + 1, wo = (w - kernel) / s + 1
    let out = Tensor.empty([b, c, ho, wo])
    var am = [Int32](repeating: 0, count: b * c * ho * wo)
    let px = x.data, po = out.data
    am.withUnsafeMutableBufferPointer { amp in
        let ap = amp.baseAddress!
        Parallel.ranges(b * c, grain: max(1, 8192 / max(ho * wo, 1))) { r in
            for pl in r {
                let src = px + pl * h * w
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        var best = -Float.infinity
                        var bi = (oy * s) * w + ox * s
                        for ky in 0..<kernel {
                            let row = (oy * s + ky) * w + ox * s
                            for kx in 0..<kernel where src[row + kx] > best { best = src[row + kx]; bi = row + kx }
                        }
                        let o = (pl * ho + oy) * wo + ox
                        po[o] = best
                        ap[o] = Int32(bi)
                    }
                }
            }
        }
    }
    let frozen = am
    return out.record([x]) { MaxPoolBackward(x, frozen) }
}

/// Average pooling with a square window (no padding).
public func avgPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil) throws -> Tensor {
    try checkImage(x, "avg_pool2d")
    let s = stride ?? kernel
    let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    guard kernel >= 1, s >= 1, h >= kernel, w >= kernel else {
        throw TensorError("avg_pool2d: window \(kernel) (stride \(s)) does not fit input \(shapeString(x.shape))")
    }
    let ho = (h - kernel) / s + 1, wo = (w - kernel) / s + 1
    let out = Tensor.empty([b, c, ho, wo])
    let scale = 1 / Float(kernel * kernel)
    let px = x.data, po = out.data
    for pl in 0..<(b * c) {
        for oy in 0..<ho {
            for ox in 0..<wo {
                var acc: Float = 0
                for ky in 0..<kernel { for kx in 0..<kernel { acc += px[(pl * h + oy * s + ky) * w + ox * s + kx] } }
                po[(pl * ho + oy) * wo + ox] = acc * scale
            }
        }
    }
    return out.record([x]) { AvgPoolBackward(x, kernel, s) }
}

/// Mean over each channel's plane: [B, C, H, W] → [B, C].
public func globalAvgPool(_ x: Tensor) throws -> Tensor {
    try checkImage(x, "global_avg_pool")
    let (b, c) = (x.shape[0], x.shape[1])
    let plane = x.shape[2] * x.shape[3]
    let out = Tensor.empty([b, c])
    let scale = 1 / Float(max(plane, 1))
    let px = x.data, po = out.data
    for pl in 0..<(b * c) {
        var acc: Float = 0
        let row = px + pl * plane
        for i in 0..<plane { acc += row[i] }
        po[pl] = acc * scale
    }
    return out.record([x]) { GlobalAvgPoolBackward(x) }
}
