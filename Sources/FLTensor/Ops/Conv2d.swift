import Foundation

/// Geometry of one 2-D convolution.
public struct ConvGeometry: Equatable, Sendable {
    public let batch, cin, h, w: Int
    public let cout, kh, kw: Int
    public let stride, padding: Int
    public var ho: Int { (h + 2 * padding - kh) / stride + 1 }
    public var wo: Int { (w + 2 * padding - kw) / stride + 1 }
    public var k: Int { cin * kh * kw }
    public var pointwise: Bool { kh == 1 && kw == 1 && stride == 1 && padding == 0 }
}

@inline(__always)
func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

/// What an inference convolution does to each output plane as it is stored: evaluation
/// batch-norm (y·scale + shift), then optionally a residual added, then optionally ReLU — the
/// conv → BN (→ + shortcut) → ReLU chain of ResNet in the pass that writes the plane, while it
/// is still in cache. Each step rounds exactly as the separate `batchNorm`, `addReLU` and
/// ReLU kernels do (same operations in the same order, no fused multiply-add), so the result
/// is bit-identical to the unfused chain; tests hold it to that.
struct ConvEpilogue {
    let scale: UnsafePointer<Float>, shift: UnsafePointer<Float>   // per output channel
    /// [B, Cout, Ho, Wo] of the whole batch, or nil.
    let residual: UnsafePointer<Float>?
    let relu: Bool

    /// Applies the epilogue to plane (image `image`, channel `channel`) at `dst`.
    @inline(__always)
    func apply(_ dst: UnsafeMutablePointer<Float>, image: Int, channel: Int, channels: Int, plane: Int) {
        let a = scale[channel], b = shift[channel]
        if let residual {
            let r = residual + (image * channels + channel) * plane
            if relu {
                for i in 0..<plane { let v = dst[i] * a + b; dst[i] = Swift.max(v + r[i], 0) }
            } else {
                for i in 0..<plane { let v = dst[i] * a + b; dst[i] = v + r[i] }
            }
        } else if relu {
            for i in 0..<plane { dst[i] = Swift.max(dst[i] * a + b, 0) }
        } else {
            for i in 0..<plane { dst[i] = dst[i] * a + b }
        }
    }
}

/// Copies n floats. Rows of feature maps are short (4–32 floats on ResNet-18's maps): inline
/// vector moves beat a memmove call per row there; long runs still go to memmove.
@inline(__always)
func copyFloats(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    if n >= 256 { dst.update(from: src, count: n); return }
    var i = 0
    while i + 8 <= n {
        UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
        i += 8
    }
    if i + 4 <= n {
        UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
        i += 4
    }
    while i < n { dst[i] = src[i]; i += 1 }
}

/// Largest im2col buffer (floats) built at once; bigger batches are processed in image groups.
let im2colLimit = 6 << 20

/// Unfolds images [b0, b0+nb) of x into col[K, nb·Ho·Wo] (rows ordered ci, ky, kx).
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ b0: Int, _ nb: Int, _ col: UnsafeMutablePointer<Float>) {
    if g.kh * g.kw > 1 && g.stride <= 2 {
        im2colPadded(x, g, b0, nb, col)
    } else {
        im2colRows(x, g, b0, nb, col)
    }
}

/// im2col through a zero-padded copy of each input plane: every output row is then a plain
/// (stride 1) or every-other (stride 2) run of the padded row, copied in whole vectors with no
/// bounds tests. One task per (image, channel) writes that channel's kh·kw rows for the image.
/// The padded plane is built once and read kh·kw times from L1; the row-by-row version
/// (`im2colRows`) paid a bounds test and a zero fill per output row, which dominated on the
/// 4×4 and 8×8 maps of ResNet-18's last stages. A copy either way: the values are identical.
func im2colPadded(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ b0: Int, _ nb: Int, _ col: UnsafeMutablePointer<Float>) {
    let ho = g.ho, wo = g.wo, hw = g.h * g.w, plane = ho * wo
    let width = nb * plane
    let s = g.stride, p = g.padding
    let hp = g.h + 2 * p
    // Padded rows, plus slack so a vector load starting in the last row stays in the buffer.
    let wp = g.w + 2 * p
    let padCount = hp * wp + 2 * wo + 32
    let kk = g.kh * g.kw
    Parallel.ranges(nb * g.cin, grain: 1) { tasks in
        let pad = UnsafeMutablePointer<Float>.allocate(capacity: padCount)
        defer { pad.deallocate() }
        pad.update(repeating: 0, count: padCount)
        for task in tasks {
            let bi = task / g.cin, ci = task % g.cin
            let src = x + ((b0 + bi) * g.cin + ci) * hw
            // Interior rows; the border (and slack) stays zero from the first fill.
            for y in 0..<g.h { copyFloats(pad + (y + p) * wp + p, src + y * g.w, g.w) }
            for ky in 0..<g.kh {
                for kx in 0..<g.kw {
                    let row = ci * kk + ky * g.kw + kx
                    let dst = col + row * width + bi * plane
                    for oy in 0..<ho {
                        let srow = pad + (oy * s + ky) * wp + kx
                        let d = dst + oy * wo
                        if s == 1 {
                            copyFloats(d, srow, wo)
                        } else {
                            var ox = 0
                            while ox + 8 <= wo {
                                let v = UnsafeRawPointer(srow + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
                                UnsafeMutableRawPointer(d + ox).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
                                ox += 8
                            }
                            if ox + 4 <= wo {
                                let v = UnsafeRawPointer(srow + 2 * ox).loadUnaligned(as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(d + ox).storeBytes(of: v.evenHalf, as: SIMD4<Float>.self)
                                ox += 4
                            }
                            while ox < wo { d[ox] = srow[2 * ox]; ox += 1 }
                        }
                    }
                }
            }
        }
    }
}

/// im2col row by row, straight from the input (1×1 kernels, strides above 2).
func im2colRows(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ b0: Int, _ nb: Int, _ col: UnsafeMutablePointer<Float>) {
    let ho = g.ho, wo = g.wo, hw = g.h * g.w, plane = ho * wo
    let width = nb * plane
    let s = g.stride, p = g.padding
    Parallel.ranges(g.k, grain: 1) { rows in
        for row in rows {
            let ci = row / (g.kh * g.kw)
            let ky = (row / g.kw) % g.kh
            let kx = row % g.kw
            for bi in 0..<nb {
                let src = x + ((b0 + bi) * g.cin + ci) * hw
                let dst = col + row * width + bi * plane
                // Valid output columns: 0 <= ox*s - p + kx < w.
                let oxLo = max(0, (p - kx + s - 1) / s)
                let oxHi = min(wo, floorDiv(g.w - 1 + p - kx, s) + 1)
                for oy in 0..<ho {
                    let iy = oy * s - p + ky
                    let d = dst + oy * wo
                    if iy < 0 || iy >= g.h || oxLo >= oxHi {
                        d.update(repeating: 0, count: wo)
                        continue
                    }
                    if oxLo > 0 { d.update(repeating: 0, count: oxLo) }
                    if oxHi < wo { (d + oxHi).update(repeating: 0, count: wo - oxHi) }
                    let srow = src + iy * g.w - p + kx
                    if s == 1 {
                        // Short rows: an inlined loop beats a memmove call per row.
                        var ox = oxLo
                        while ox + 8 <= oxHi {
                            (UnsafeMutableRawPointer(d + ox)).storeBytes(of: UnsafeRawPointer(srow + ox).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                            ox += 8
                        }
                        while ox < oxHi { d[ox] = srow[ox]; ox += 1 }
                    } else if s == 2 {
                        // Every other input element: the even half of 16 contiguous floats.
                        var ox = oxLo
                        while ox + 8 <= oxHi && 2 * ox + 16 <= g.w - kx + p {
                            let v = UnsafeRawPointer(srow + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
                            UnsafeMutableRawPointer(d + ox).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
                            ox += 8
                        }
                        while ox < oxHi { d[ox] = srow[2 * ox]; ox += 1 }
                    } else {
                        for ox in oxLo..<oxHi { d[ox] = srow[ox * s] }
                    }
                }
            }
        }
    }
}

/// Folds col[K, nb·Ho·Wo] back into dx for images [b0, b0+nb), accumulating.
func col2im(_ col: UnsafePointer<Float>, _ g: ConvGeometry, _ b0: Int, _ nb: Int, _ dx: UnsafeMutablePointer<Float>) {
    let ho = g.ho, wo = g.wo, hw = g.h * g.w, plane = ho * wo
    let width = nb * plane
    let s = g.stride, p = g.padding
    // One input channel per task: its kh·kw rows all land in that channel's planes.
    Parallel.ranges(g.cin, grain: 1) { chans in
        for ci in chans {
            for ky in 0..<g.kh {
                for kx in 0..<g.kw {
                    let row = (ci * g.kh + ky) * g.kw + kx
                    let oxLo = max(0, (p - kx + s - 1) / s)
                    let oxHi = min(wo, floorDiv(g.w - 1 + p - kx, s) + 1)
                    if oxLo >= oxHi { continue }
                    for bi in 0..<nb {
                        let dstPlane = dx + ((b0 + bi) * g.cin + ci) * hw
                        let src = col + row * width + bi * plane
                        for oy in 0..<ho {
                            let iy = oy * s - p + ky
                            if iy < 0 || iy >= g.h { continue }
                            let srow = src + oy * wo
                            let drow = dstPlane + iy * g.w - p + kx
                            if s == 1 {
                                for ox in oxLo..<oxHi { drow[ox] += srow[ox] }
                            } else {
                                for ox in oxLo..<oxHi { drow[ox * s] += srow[ox] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// [Cout, nb·P] (channel-major) → [nb, Cout, P] (image-major), adding a per-channel bias.
/// With an epilogue, `firstImage` is the batch index of image 0 (for the residual).
func channelMajorToNCHW(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                        channels: Int, images nb: Int, plane: Int, bias: UnsafePointer<Float>?,
                        epilogue: ConvEpilogue? = nil, firstImage: Int = 0) {
    Parallel.ranges(channels, grain: max(1, 16_384 / max(plane * nb, 1))) { cs in
        for c in cs {
            let bv = bias?[c] ?? 0
            for b in 0..<nb {
                let s = src + (c * nb + b) * plane
                let d = dst + (b * channels + c) * plane
                if bv == 0 { copyFloats(d, s, plane) } else { for i in 0..<plane { d[i] = s[i] + bv } }
                epilogue?.apply(d, image: firstImage + b, channel: c, channels: channels, plane: plane)
            }
        }
    }
}

/// [nb, C, P] → [C, nb·P].
func nchwToChannelMajor(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                        channels: Int, images nb: Int, plane: Int) {
    Parallel.ranges(channels, grain: max(1, 16_384 / max(plane * nb, 1))) { cs in
        for c in cs {
            for b in 0..<nb {
                copyFloats(dst + (c * nb + b) * plane, src + (b * channels + c) * plane, plane)
            }
        }
    }
}

/// Plain im2col + GEMM convolution, batch folded into the GEMM's N dimension.
enum Im2colConv {
    static func groupSize(_ g: ConvGeometry) -> Int {
        let perImage = max(g.k, g.cout) * g.ho * g.wo
        return max(1, min(g.batch, im2colLimit / max(perImage, 1)))
    }

    static func forward(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: ConvGeometry, epilogue: ConvEpilogue? = nil) -> Tensor {
        let out = Tensor.empty([g.batch, g.cout, g.ho, g.wo])
        let plane = g.ho * g.wo
        let gs = groupSize(g)
        let col = g.pointwise ? nil : TensorStorage(count: g.k * gs * plane)
        let tmp = TensorStorage(count: g.cout * gs * plane)
        var b0 = 0
        while b0 < g.batch {
            let nb = min(gs, g.batch - b0)
            let colPtr: UnsafeMutablePointer<Float>
            if let col {
                im2col(x.data, g, b0, nb, col.pointer)
                colPtr = col.pointer
            } else {
                // 1×1 stride-1 convolution: the input itself, channel-major.
                let c2 = TensorStorage(count: g.cin * nb * plane)
                nchwToChannelMajor(x.data + b0 * g.cin * plane, c2.pointer, channels: g.cin, images: nb, plane: plane)
                colPtr = c2.pointer
                withExtendedLifetime(c2) {
                    sgemm(m: g.cout, n: nb * plane, k: g.k, a: w.data, b: colPtr, c: tmp.pointer)
                }
                channelMajorToNCHW(tmp.pointer, out.data + b0 * g.cout * plane, channels: g.cout, images: nb,
                                   plane: plane, bias: bias.map { UnsafePointer($0.data) }, epilogue: epilogue, firstImage: b0)
                b0 += nb
                continue
            }
            sgemm(m: g.cout, n: nb * plane, k: g.k, a: w.data, b: colPtr, c: tmp.pointer)
            channelMajorToNCHW(tmp.pointer, out.data + b0 * g.cout * plane, channels: g.cout, images: nb,
                               plane: plane, bias: bias.map { UnsafePointer($0.data) }, epilogue: epilogue, firstImage: b0)
            b0 += nb
        }
        return out
    }

    static func backward(_ gy: Tensor, _ x: Tensor, _ w: Tensor, _ g: ConvGeometry,
                         needX: Bool, needW: Bool) -> (Tensor?, Tensor?) {
        let plane = g.ho * g.wo
        let gs = groupSize(g)
        let gx: Tensor? = needX ? Tensor.zeros(x.shape) : nil
        let gw: Tensor? = needW ? Tensor.empty(w.shape) : nil
        let col = TensorStorage(count: g.k * gs * plane)
        let dy = TensorStorage(count: g.cout * gs * plane)
        var b0 = 0
        var first = true
        while b0 < g.batch {
            let nb = min(gs, g.batch - b0)
            nchwToChannelMajor(gy.data + b0 * g.cout * plane, dy.pointer, channels: g.cout, images: nb, plane: plane)
            if let gw {
                if g.pointwise {
                    nchwToChannelMajor(x.data + b0 * g.cin * plane, col.pointer, channels: g.cin, images: nb, plane: plane)
                } else {
                    im2col(x.data, g, b0, nb, col.pointer)
                }
                // dW[Cout, K] (+)= dY[Cout, N] · colᵀ[N, K]
                sgemm(transB: true, m: g.cout, n: g.k, k: nb * plane, a: dy.pointer, b: col.pointer,
                      beta: first ? 0 : 1, c: gw.data)
            }
            if let gx {
                // dcol[K, N] = Wᵀ[K, Cout] · dY[Cout, N]
                sgemm(transA: true, m: g.k, n: nb * plane, k: g.cout, a: w.data, b: dy.pointer, c: col.pointer)
                if g.pointwise {
                    channelMajorToNCHW(col.pointer, gx.data + b0 * g.cin * plane, channels: g.cin, images: nb,
                                       plane: plane, bias: nil)
                } else {
                    col2im(col.pointer, g, b0, nb, gx.data)
                }
            }
            first = false
            b0 += nb
        }
        return (gx, gw)
    }
}

/// Per-channel sums of an NCHW tensor's values: the bias gradient.
func channelSums(_ t: Tensor) -> Tensor {
    let (b, c) = (t.shape[0], t.shape[1])
    let plane = t.count / max(b * c, 1)
    let out = Tensor.zeros([c])
    let p = t.data, po = out.data
    // Channels in parallel; each channel's sum keeps its one sequential order.
    Parallel.ranges(c, grain: max(1, 32_768 / max(b * plane, 1))) { cs in
        for ci in cs {
            var s: Float = 0
            for bi in 0..<b { let row = p + (bi * c + ci) * plane; for i in 0..<plane { s += row[i] } }
            po[ci] = s
        }
    }
    return out
}

final class Conv2dBackward: GradFunction {
    let inputs: [Tensor]
    let geometry: ConvGeometry
    let hasBias: Bool
    init(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: ConvGeometry) {
        inputs = b.map { [x, w, $0] } ?? [x, w]; geometry = g; hasBias = b != nil
    }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let (gx, gw) = ConvEngine.backward(g, inputs[0], inputs[1], geometry, needX: needs[0], needW: needs[1])
        var out: [Tensor?] = [gx, gw]
        if hasBias { out.append(needs[2] ? channelSums(g) : nil) }
        return out
    }
}

/// Chooses the convolution algorithm for a geometry.
public enum ConvEngine {
    /// Algorithms a convolution can take.
    public enum Algorithm: Sendable { case automatic, im2col }
    /// Forces plain im2col everywhere (tests compare the fast paths against it).
    nonisolated(unsafe) public static var algorithm: Algorithm =
        ProcessInfo.processInfo.environment["FLNB_CONV"] == "im2col" ? .im2col : .automatic

    static func useWinograd(_ g: ConvGeometry) -> Bool { algorithm == .automatic && WinogradConv.applies(g) }

    static func forward(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ g: ConvGeometry, epilogue: ConvEpilogue? = nil) -> Tensor {
        useWinograd(g) ? WinogradConv.forward(x, w, b, g, epilogue: epilogue) : Im2colConv.forward(x, w, b, g, epilogue: epilogue)
    }
    static func backward(_ gy: Tensor, _ x: Tensor, _ w: Tensor, _ g: ConvGeometry, needX: Bool, needW: Bool) -> (Tensor?, Tensor?) {
        if useWinograd(g) {
            let gx = needX ? WinogradConv.inputGradient(gy, w, g) : nil
            let gw = needW ? WinogradConv.weightGradient(gy, x, g) : nil
            return (gx, gw)
        }
        return Im2colConv.backward(gy, x, w, g, needX: needX, needW: needW)
    }
}

/// 2-D convolution of x [B, Cin, H, W] with weight [Cout, Cin, kh, kw] and optional bias [Cout].
public func conv2d(_ x: Tensor, weight w: Tensor, bias b: Tensor? = nil, stride: Int = 1, padding: Int = 0) throws -> Tensor {
    let g = try convGeometry(x, w, b, stride: stride, padding: padding)
    let out = ConvEngine.forward(x, w, b, g)
    let inputs = b.map { [x, w, $0] } ?? [x, w]
    return out.record(inputs) { Conv2dBackward(x, w, b, g) }
}

/// conv2d → batch-norm with running statistics (→ + residual) (→ ReLU), for inference: the
/// normalization, the residual and the ReLU are applied to each output plane as the
/// convolution stores it (`ConvEpilogue`), saving a full pass over the activation per step.
/// The result is bit-identical to `conv2d`, `batchNorm(mode: .eval)`, then `addReLU` (with a
/// residual) or `relu`. While gradients are recorded it runs exactly those separate ops.
public func conv2dBatchNormInference(_ x: Tensor, weight w: Tensor, bias b: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                                     bnWeight gamma: Tensor, bnBias beta: Tensor, runningMean: Tensor, runningVar: Tensor,
                                     eps: Float = 1e-5, residual: Tensor? = nil, relu: Bool) throws -> Tensor {
    if GradMode.enabled {
        let y = try conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
        if let residual {
            let n = try batchNorm(y, weight: gamma, bias: beta, runningMean: runningMean, runningVar: runningVar,
                                  mode: .eval, momentum: 0, eps: eps, relu: false)
            return relu ? try addReLU(n, residual) : try n + residual
        }
        return try batchNorm(y, weight: gamma, bias: beta, runningMean: runningMean, runningVar: runningVar,
                             mode: .eval, momentum: 0, eps: eps, relu: relu)
    }
    let g = try convGeometry(x, w, b, stride: stride, padding: padding)
    for (name, t) in [("weight", gamma), ("bias", beta), ("running_mean", runningMean), ("running_var", runningVar)] where t.shape != [g.cout] {
        throw TensorError.shapes("conv2d_batch_norm", w.shape, t.shape, "batch-norm \(name) must have one value per output channel")
    }
    if let residual, residual.shape != [g.batch, g.cout, g.ho, g.wo] {
        throw TensorError.shapes("conv2d_batch_norm", [g.batch, g.cout, g.ho, g.wo], residual.shape, "the residual must have the output's shape")
    }
    var scale = [Float](repeating: 0, count: g.cout), shift = scale
    for c in 0..<g.cout {
        let inv = batchNormInvStd(runningVar.data[c], eps)
        (scale[c], shift[c]) = batchNormAffine(gamma: gamma.data[c], beta: beta.data[c], mean: runningMean.data[c], invStd: inv)
    }
    return scale.withUnsafeBufferPointer { sp in
        shift.withUnsafeBufferPointer { tp in
            withExtendedLifetime(residual) {
                let e = ConvEpilogue(scale: sp.baseAddress!, shift: tp.baseAddress!,
                                     residual: residual.map { UnsafePointer($0.data) }, relu: relu)
                return ConvEngine.forward(x, w, b, g, epilogue: e)
            }
        }
    }
}

/// Checks a convolution's operands and returns its geometry.
func convGeometry(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int, padding: Int) throws -> ConvGeometry {
    guard x.rank == 4 else { throw TensorError("conv2d: input must be [batch, channels, height, width], got \(shapeString(x.shape))") }
    guard w.rank == 4 else { throw TensorError("conv2d: weight must be [out, in, kh, kw], got \(shapeString(w.shape))") }
    guard x.shape[1] == w.shape[1] else {
        throw TensorError.shapes("conv2d", x.shape, w.shape, "input channels differ from the weight's in-channels")
    }
    guard stride >= 1, padding >= 0 else { throw TensorError("conv2d: stride must be ≥ 1 and padding ≥ 0 (got \(stride), \(padding))") }
    let g = ConvGeometry(batch: x.shape[0], cin: x.shape[1], h: x.shape[2], w: x.shape[3],
                         cout: w.shape[0], kh: w.shape[2], kw: w.shape[3], stride: stride, padding: padding)
    guard g.ho > 0, g.wo > 0 else {
        throw TensorError.shapes("conv2d", x.shape, w.shape, "kernel larger than the padded input")
    }
    if let b, b.shape != [g.cout] { throw TensorError.shapes("conv2d", w.shape, b.shape, "bias must have one value per output channel") }
    return g
}
