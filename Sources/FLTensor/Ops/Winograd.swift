import Foundation

/// Winograd F(2×2, 3×3) convolution for 3×3 kernels with stride 1 and padding 1 — most of
/// ResNet-18's work. Each 2×2 output tile comes from a 4×4 input tile through 16 products
/// instead of 36 (2.25× fewer multiplies): Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. The 16 element-wise
/// products over channels are 16 independent GEMMs [Cout × Cin]·[Cin × tiles], run one per
/// thread. The input gradient is the same convolution with the kernel rotated by 180° and its
/// channel axes swapped, so it takes the same path; the weight gradient stays on im2col + GEMM.
enum WinogradConv {
    /// Whether the geometry takes this path.
    static func applies(_ g: ConvGeometry) -> Bool {
        g.kh == 3 && g.kw == 3 && g.stride == 1 && g.padding == 1 && g.cin >= 4 && g.cout >= 4 && g.h >= 2 && g.w >= 2
    }

    /// U[ξ][co][ci] = (G g Gᵀ)[ξ] for a weight [Cout, Cin, 3, 3] (or its rotated transpose).
    static func transformWeights(_ w: UnsafePointer<Float>, cout: Int, cin: Int, flipped: Bool) -> TensorStorage {
        // flipped: w is the forward weight [Cin_f=cout? …]; we build U for the convolution
        // dX = conv(dY, rot180(W)ᵀ): out channels = forward Cin, in channels = forward Cout.
        let u = TensorStorage(count: 16 * cout * cin)
        let up = u.pointer
        let plane = cout * cin
        Parallel.ranges(cout, grain: max(1, 256 / max(cin, 1))) { cos in
            for co in cos {
                for ci in 0..<cin {
                    // g in row-major 3×3; the rotated kernel reads the forward weight backwards.
                    let src = flipped ? w + (ci * cout + co) * 9 : w + (co * cin + ci) * 9
                    @inline(__always) func g(_ k: Int) -> Float { flipped ? src[8 - k] : src[k] }
                    // t = G·g (4×3) as four rows of three.
                    let c0 = SIMD4<Float>(g(0), g(1), g(2), 0), c1 = SIMD4<Float>(g(3), g(4), g(5), 0), c2 = SIMD4<Float>(g(6), g(7), g(8), 0)
                    let t0 = c0, t1 = 0.5 * (c0 + c1 + c2), t2 = 0.5 * (c0 - c1 + c2), t3 = c2
                    // U = t·Gᵀ (4×4).
                    for r in 0..<4 {
                        let tr = r == 0 ? t0 : (r == 1 ? t1 : (r == 2 ? t2 : t3))
                        let a = tr[0], b = tr[1], c = tr[2]
                        let vals = (a, 0.5 * (a + b + c), 0.5 * (a - b + c), c)
                        up[(r * 4 + 0) * plane + co * cin + ci] = vals.0
                        up[(r * 4 + 1) * plane + co * cin + ci] = vals.1
                        up[(r * 4 + 2) * plane + co * cin + ci] = vals.2
                        up[(r * 4 + 3) * plane + co * cin + ci] = vals.3
                    }
                }
            }
        }
        return u
    }

    /// V[ξ][ci][t] = (Bᵀ d B)[ξ] for every 4×4 input tile of images [b0, b0+nb).
    static func transformInput(_ x: UnsafePointer<Float>, cin: Int, h: Int, w: Int, b0: Int, nb: Int,
                               th: Int, tw: Int, ld: Int, _ v: UnsafeMutablePointer<Float>) {
        let tiles = ld
        let plane = cin * tiles
        Parallel.ranges(nb * cin, grain: 1) { rs in
            for r in rs {
                let bi = r / cin, ci = r % cin
                let src = x + ((b0 + bi) * cin + ci) * h * w
                for ty in 0..<th {
                    for tx in 0..<tw {
                        let y0 = 2 * ty - 1, x0 = 2 * tx - 1
                        var d = (SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>())
                        @inline(__always) func row(_ yy: Int) -> SIMD4<Float> {
                            guard yy >= 0 && yy < h else { return SIMD4<Float>() }
                            let p = src + yy * w
                            if x0 >= 0 && x0 + 3 < w {
                                return SIMD4<Float>(p[x0], p[x0 + 1], p[x0 + 2], p[x0 + 3])
                            }
                            var s = SIMD4<Float>()
                            for j in 0..<4 { let xx = x0 + j; if xx >= 0 && xx < w { s[j] = p[xx] } }
                            return s
                        }
                        d.0 = row(y0); d.1 = row(y0 + 1); d.2 = row(y0 + 2); d.3 = row(y0 + 3)
                        // Bᵀ d: rows.
                        let r0 = d.0 - d.2, r1 = d.1 + d.2, r2 = d.2 - d.1, r3 = d.1 - d.3
                        // (Bᵀ d) B: columns of each row.
                        @inline(__always) func cols(_ q: SIMD4<Float>) -> SIMD4<Float> {
                            SIMD4<Float>(q[0] - q[2], q[1] + q[2], q[2] - q[1], q[1] - q[3])
                        }
                        let t = (bi * th + ty) * tw + tx
                        let base = v + ci * tiles + t
                        let rows = (cols(r0), cols(r1), cols(r2), cols(r3))
                        for j in 0..<4 {
                            base[(0 * 4 + j) * plane] = rows.0[j]
                            base[(1 * 4 + j) * plane] = rows.1[j]
                            base[(2 * 4 + j) * plane] = rows.2[j]
                            base[(3 * 4 + j) * plane] = rows.3[j]
                        }
                    }
                }
            }
        }
    }

    /// Y = Aᵀ M A for every tile, written into out [nb, Cout, H, W] (+ bias).
    static func transformOutput(_ m: UnsafePointer<Float>, cout: Int, h: Int, w: Int, nb: Int, th: Int, tw: Int, ld: Int,
                                bias: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>) {
        let tiles = ld
        let plane = cout * tiles
        Parallel.ranges(nb * cout, grain: 1) { rs in
            for r in rs {
                let bi = r / cout, co = r % cout
                let bv = bias?[co] ?? 0
                let dst = out + (bi * cout + co) * h * w
                for ty in 0..<th {
                    for tx in 0..<tw {
                        let t = (bi * th + ty) * tw + tx
                        let base = m + co * tiles + t
                        @inline(__always) func load(_ i: Int) -> SIMD4<Float> {
                            SIMD4<Float>(base[(i * 4) * plane], base[(i * 4 + 1) * plane], base[(i * 4 + 2) * plane], base[(i * 4 + 3) * plane])
                        }
                        let q0 = load(0), q1 = load(1), q2 = load(2), q3 = load(3)
                        // Aᵀ q: two rows.
                        let a0 = q0 + q1 + q2, a1 = q1 - q2 - q3
                        let y00 = a0[0] + a0[1] + a0[2] + bv, y01 = a0[1] - a0[2] - a0[3] + bv
                        let y10 = a1[0] + a1[1] + a1[2] + bv, y11 = a1[1] - a1[2] - a1[3] + bv
                        let oy = 2 * ty, ox = 2 * tx
                        dst[oy * w + ox] = y00
                        if ox + 1 < w { dst[oy * w + ox + 1] = y01 }
                        if oy + 1 < h {
                            dst[(oy + 1) * w + ox] = y10
                            if ox + 1 < w { dst[(oy + 1) * w + ox + 1] = y11 }
                        }
                    }
                }
            }
        }
    }

    /// out[B, co, H, W] = conv3×3(x[B, ci, H, W]) with precomputed U (16 × co × ci).
    static func run(_ x: UnsafePointer<Float>, batch: Int, cin: Int, cout: Int, h: Int, w: Int,
                    u: UnsafePointer<Float>, bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>) {
        let th = (h + 1) / 2, tw = (w + 1) / 2
        let perImage = 16 * max(cin, cout) * th * tw
        let group = max(1, min(batch, im2colLimit / max(perImage, 1)))
        // Rows of V and M are padded so the 16 ξ-planes are not a power-of-two apart: the
        // transforms touch all 16 at once, and aligned planes collide in the same cache sets.
        let ldMax = group * th * tw + 48
        let v = TensorStorage(count: 16 * cin * ldMax)
        let mbuf = TensorStorage(count: 16 * cout * ldMax)
        var b0 = 0
        while b0 < batch {
            let nb = min(group, batch - b0)
            let tiles = nb * th * tw
            let ld = tiles + 48
            transformInput(x, cin: cin, h: h, w: w, b0: b0, nb: nb, th: th, tw: tw, ld: ld, v.pointer)
            let vp = UnsafePointer(v.pointer), mp = mbuf.pointer
            Parallel.forEach(16) { xi in
                sgemmSerial(false, false, cout, tiles, cin, 1, u + xi * cout * cin, cin,
                            vp + xi * cin * ld, ld, 0, mp + xi * cout * ld, ld)
            }
            transformOutput(mbuf.pointer, cout: cout, h: h, w: w, nb: nb, th: th, tw: tw, ld: ld, bias: bias,
                            out + b0 * cout * h * w)
            b0 += nb
        }
    }

    static func forward(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: ConvGeometry) -> Tensor {
        let out = Tensor.empty([g.batch, g.cout, g.h, g.w])
        let u = transformWeights(w.data, cout: g.cout, cin: g.cin, flipped: false)
        run(x.data, batch: g.batch, cin: g.cin, cout: g.cout, h: g.h, w: g.w, u: u.pointer,
            bias: bias.map { UnsafePointer($0.data) }, out: out.data)
        return out
    }

    /// dX = conv3×3(dY, rot180(W) with channel axes swapped), padding 1.
    static func inputGradient(_ gy: Tensor, _ w: Tensor, _ g: ConvGeometry) -> Tensor {
        let gx = Tensor.empty([g.batch, g.cin, g.h, g.w])
        let u = transformWeights(w.data, cout: g.cin, cin: g.cout, flipped: true)
        run(gy.data, batch: g.batch, cin: g.cout, cout: g.cin, h: g.h, w: g.w, u: u.pointer, bias: nil, out: gx.data)
        return gx
    }
}
