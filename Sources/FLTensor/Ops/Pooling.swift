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
                    var done = 0
                    if kernel == 2 && s == 2 {
                        // Eight windows at once: the same four comparisons in the same order as
                        // the loop below (strict >, so the first maximum wins and NaN never
                        // does), one window per lane; 2·ox + 16 ≤ 2·wo ≤ w keeps loads in the row.
                        let r0 = src + 2 * oy * w, r1 = r0 + w
                        let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
                        while done + 8 <= wo {
                            let top = UnsafeRawPointer(r0 + 2 * done).loadUnaligned(as: SIMD16<Float>.self)
                            let bottom = UnsafeRawPointer(r1 + 2 * done).loadUnaligned(as: SIMD16<Float>.self)
                            let a = SIMD8<Int32>(repeating: Int32(2 * oy * w + 2 * done)) &+ lanes
                            var best = SIMD8<Float>(repeating: -.infinity), idx = a
                            var m = top.evenHalf .> best
                            best.replace(with: top.evenHalf, where: m); idx.replace(with: a, where: m)
                            m = top.oddHalf .> best
                            best.replace(with: top.oddHalf, where: m); idx.replace(with: a &+ 1, where: m)
                            let down = a &+ Int32(w)
                            m = bottom.evenHalf .> best
                            best.replace(with: bottom.evenHalf, where: m); idx.replace(with: down, where: m)
                            m = bottom.oddHalf .> best
                            best.replace(with: bottom.oddHalf, where: m); idx.replace(with: down &+ 1, where: m)
                            let o = (pl * ho + oy) * wo + done
                            UnsafeMutableRawPointer(po + o).storeBytes(of: best, as: SIMD8<Float>.self)
                            UnsafeMutableRawPointer(ap + o).storeBytes(of: idx, as: SIMD8<Int32>.self)
                            done += 8
                        }
                    }
                    for ox in done..<wo {
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
