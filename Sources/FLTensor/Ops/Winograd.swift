import Foundation

/// Winograd F(2×2, 3×3) convolution for 3×3 kernels with stride 1 and padding 1 — most of
/// ResNet-18's work. Each 2×2 output tile comes from a 4×4 input tile through 16 products
/// instead of 36 (2.25× fewer multiplies): Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. The 16 element-wise
/// products over channels are 16 independent GEMMs [Cout × Cin]·[Cin × tiles], run one per
/// thread. The input gradient is the same convolution with the kernel rotated by 180° and its
/// channel axes swapped, so it takes the same path; the weight gradient stays on im2col + GEMM.
/// Floats in one transformed buffer (V or M) per group of images. Smaller groups keep V and M in
/// the last-level cache but give the 16 GEMMs narrower shapes; on ResNet-18 (nf 20 and 64) the
/// measured optimum was flat between 1M and 6M floats, so this bounds memory like im2col's limit.
let winogradGroupLimit = im2colLimit

enum WinogradConv {
    /// Whether the geometry takes this path.
    static func applies(_ g: ConvGeometry) -> Bool {
        // On maps below 8×8 the tiles are too few for efficient GEMMs (4×4 maps give N = 4·batch)
        // and im2col's single wide GEMM wins (measured on ResNet-18's 4×4 stage).
        g.kh == 3 && g.kw == 3 && g.stride == 1 && g.padding == 1 && g.cin >= 4 && g.cout >= 4 && g.h * g.w >= 64
    }

    /// The even and odd elements of 16 (8) contiguous floats: columns 0 and 1 (or 2 and 3) of
    /// eight (four) adjacent 2-strided tiles, one per lane.
    @inline(__always)
    static func evenOdd8(_ p: UnsafePointer<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
        let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        return (v.evenHalf, v.oddHalf)
    }

    @inline(__always)
    static func evenOdd4(_ p: UnsafePointer<Float>) -> (SIMD4<Float>, SIMD4<Float>) {
        let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        return (v.evenHalf, v.oddHalf)
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
    /// Eight (then four) horizontally adjacent tiles are transformed at once, one per SIMD lane: their
    /// columns are the even and odd elements of one zero-padded input row, so every load and
    /// every store is a contiguous vector.
    static func transformInput(_ x: UnsafePointer<Float>, cin: Int, h: Int, w: Int, b0: Int, nb: Int,
                               th: Int, tw: Int, ld: Int, _ v: UnsafeMutablePointer<Float>) {
        let plane = cin * ld
        let padW = 2 * tw + 2 + 16
        Parallel.ranges(nb * cin, grain: 1) { rs in
            // Four zero-padded input rows: column j of row r holds x[y0 + r][j − 1].
            let rows = UnsafeMutablePointer<Float>.allocate(capacity: 4 * padW)
            defer { rows.deallocate() }
            rows.update(repeating: 0, count: 4 * padW)
            for r in rs {
                let bi = r / cin, ci = r % cin
                let src = x + ((b0 + bi) * cin + ci) * h * w
                let vbase = v + ci * ld + bi * th * tw
                for ty in 0..<th {
                    let y0 = 2 * ty - 1
                    for k in 0..<4 {
                        let yy = y0 + k
                        let dst = rows + k * padW
                        // Only columns 1…w are ever written: the border and the tail stay zero.
                        if yy >= 0 && yy < h { copyFloats(dst + 1, src + yy * w, w) }
                        else { (dst + 1).update(repeating: 0, count: w) }
                    }
                    let out = vbase + ty * tw
                    // Tiles tx..<tx+V.scalarCount, one per lane. Column c of tile tx+l is padded index
                    // 2(tx+l) + c: the even or odd half of 2·V.scalarCount contiguous floats starting at
                    // 2tx (c = 0, 1) or 2tx + 2 (c = 2, 3). Per lane these are the one-tile path's
                    // operations, so the result has the same bits whichever path a tile takes.
                    @inline(__always) func tiles<V: SIMD>(_ tx: Int, _ load: (UnsafePointer<Float>) -> (V, V)) where V.Scalar == Float {
                        @inline(__always) func col(_ k: Int, _ c: Int) -> V {
                            let halves = load(rows + k * padW + 2 * tx + (c & 2))
                            return c & 1 == 0 ? halves.0 : halves.1
                        }
                        // Bᵀ d over rows, for each column c.
                        var t0 = (V(), V(), V(), V())
                        var t1 = t0, t2 = t0, t3 = t0
                        for c in 0..<4 {
                            let r0 = col(0, c), r1 = col(1, c), r2 = col(2, c), r3 = col(3, c)
                            let a0 = r0 - r2, a1 = r1 + r2, a2 = r2 - r1, a3 = r1 - r3
                            switch c {
                            case 0: t0.0 = a0; t1.0 = a1; t2.0 = a2; t3.0 = a3
                            case 1: t0.1 = a0; t1.1 = a1; t2.1 = a2; t3.1 = a3
                            case 2: t0.2 = a0; t1.2 = a1; t2.2 = a2; t3.2 = a3
                            default: t0.3 = a0; t1.3 = a1; t2.3 = a2; t3.3 = a3
                            }
                        }
                        // (Bᵀ d) B over columns; ξ = 4·row + col.
                        @inline(__always) func store(_ rowIndex: Int, _ q: (V, V, V, V)) {
                            let vals = (q.0 - q.2, q.1 + q.2, q.2 - q.1, q.1 - q.3)
                            let o = out + tx
                            UnsafeMutableRawPointer(o + (rowIndex * 4 + 0) * plane).storeBytes(of: vals.0, as: V.self)
                            UnsafeMutableRawPointer(o + (rowIndex * 4 + 1) * plane).storeBytes(of: vals.1, as: V.self)
                            UnsafeMutableRawPointer(o + (rowIndex * 4 + 2) * plane).storeBytes(of: vals.2, as: V.self)
                            UnsafeMutableRawPointer(o + (rowIndex * 4 + 3) * plane).storeBytes(of: vals.3, as: V.self)
                        }
                        store(0, t0); store(1, t1); store(2, t2); store(3, t3)
                    }
                    var tx = 0
                    while tx + 8 <= tw {
                        tiles(tx, evenOdd8)
                        tx += 8
                    }
                    // Four at a time: the 8×8 maps (four tiles a row) and the tails.
                    while tx + 4 <= tw {
                        tiles(tx, evenOdd4)
                        tx += 4
                    }
                    // Remaining tiles one at a time.
                    while tx < tw {
                        @inline(__always) func row(_ k: Int) -> SIMD4<Float> {
                            let p = rows + k * padW + 2 * tx
                            return SIMD4<Float>(p[0], p[1], p[2], p[3])
                        }
                        let d0 = row(0), d1 = row(1), d2 = row(2), d3 = row(3)
                        let r0 = d0 - d2, r1 = d1 + d2, r2 = d2 - d1, r3 = d1 - d3
                        @inline(__always) func cols(_ q: SIMD4<Float>) -> SIMD4<Float> {
                            SIMD4<Float>(q[0] - q[2], q[1] + q[2], q[2] - q[1], q[1] - q[3])
                        }
                        let rr = (cols(r0), cols(r1), cols(r2), cols(r3))
                        let o = out + tx
                        for j in 0..<4 {
                            o[(0 * 4 + j) * plane] = rr.0[j]
                            o[(1 * 4 + j) * plane] = rr.1[j]
                            o[(2 * 4 + j) * plane] = rr.2[j]
                            o[(3 * 4 + j) * plane] = rr.3[j]
                        }
                        tx += 1
                    }
                }
            }
        }
    }

    /// Y = Aᵀ M A for every tile, written into out [nb, Cout, H, W] (+ bias); eight (then four) tiles per
    /// SIMD lane group, their 2×2 outputs interleaved back into rows.
    static func transformOutput(_ m: UnsafePointer<Float>, cout: Int, h: Int, w: Int, nb: Int, th: Int, tw: Int, ld: Int,
                                bias: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>,
                                epilogue: ConvEpilogue? = nil, firstImage: Int = 0) {
        let plane = cout * ld
        Parallel.ranges(nb * cout, grain: 1) { rs in
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: 2 * (2 * tw + 16))
            defer { tmp.deallocate() }
            for r in rs {
                let bi = r / cout, co = r % cout
                let bv = bias?[co] ?? 0
                let dst = out + (bi * cout + co) * h * w
                let mbase = m + co * ld + bi * th * tw
                for ty in 0..<th {
                    let row0 = tmp, row1 = tmp + (2 * tw + 16)
                    var tx = 0
                    let src = mbase + ty * tw
                    // Tiles tx..<tx+V.scalarCount, one per lane; `interleave` writes the two output
                    // columns of each tile back into a row. Per lane these are the one-tile path's
                    // operations (bias added last), so the bits do not depend on the path.
                    @inline(__always) func tiles<V: SIMD>(_ tx: Int, _ interleave: (UnsafeMutablePointer<Float>, V, V) -> Void) where V.Scalar == Float {
                        @inline(__always) func load(_ xi: Int) -> V {
                            UnsafeRawPointer(src + tx + xi * plane).loadUnaligned(as: V.self)
                        }
                        // Aᵀ over rows of the 4×4 tile: a0 = q0 + q1 + q2, a1 = q1 − q2 − q3 per column.
                        var c0 = (V(), V(), V(), V())
                        var c1 = c0
                        for c in 0..<4 {
                            let q0 = load(c), q1 = load(4 + c), q2 = load(8 + c), q3 = load(12 + c)
                            let u = q0 + q1 + q2, l = q1 - q2 - q3
                            switch c {
                            case 0: c0.0 = u; c1.0 = l
                            case 1: c0.1 = u; c1.1 = l
                            case 2: c0.2 = u; c1.2 = l
                            default: c0.3 = u; c1.3 = l
                            }
                        }
                        // A over columns.
                        let b = V(repeating: bv)
                        interleave(row0 + 2 * tx, c0.0 + c0.1 + c0.2 + b, c0.1 - c0.2 - c0.3 + b)
                        interleave(row1 + 2 * tx, c1.0 + c1.1 + c1.2 + b, c1.1 - c1.2 - c1.3 + b)
                    }
                    while tx + 8 <= tw {
                        tiles(tx) { (p, even: SIMD8<Float>, odd: SIMD8<Float>) in
                            var v = SIMD16<Float>()
                            v.evenHalf = even; v.oddHalf = odd
                            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
                        }
                        tx += 8
                    }
                    // Four at a time: the 8×8 maps (four tiles a row) and the tails.
                    while tx + 4 <= tw {
                        tiles(tx) { (p, even: SIMD4<Float>, odd: SIMD4<Float>) in
                            var v = SIMD8<Float>()
                            v.evenHalf = even; v.oddHalf = odd
                            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
                        }
                        tx += 4
                    }
                    while tx < tw {
                        let base = src + tx
                        @inline(__always) func load(_ i: Int) -> SIMD4<Float> {
                            SIMD4<Float>(base[(i * 4) * plane], base[(i * 4 + 1) * plane], base[(i * 4 + 2) * plane], base[(i * 4 + 3) * plane])
                        }
                        let q0 = load(0), q1 = load(1), q2 = load(2), q3 = load(3)
                        let a0 = q0 + q1 + q2, a1 = q1 - q2 - q3
                        row0[2 * tx] = a0[0] + a0[1] + a0[2] + bv; row0[2 * tx + 1] = a0[1] - a0[2] - a0[3] + bv
                        row1[2 * tx] = a1[0] + a1[1] + a1[2] + bv; row1[2 * tx + 1] = a1[1] - a1[2] - a1[3] + bv
                        tx += 1
                    }
                    let oy = 2 * ty
                    copyFloats(dst + oy * w, row0, w)
                    if oy + 1 < h { copyFloats(dst + (oy + 1) * w, row1, w) }
                }
                epilogue?.apply(dst, image: firstImage + bi, channel: co, channels: cout, plane: h * w)
            }
        }
    }

    /// dM[ξ][co][t] = (A dY Aᵀ)[ξ] for every 2×2 output-gradient tile (zero beyond the image):
    /// the gradient of Y = Aᵀ M A with respect to M. Eight (then four) tiles per SIMD lane group.
    static func transformGradOutput(_ gy: UnsafePointer<Float>, cout: Int, h: Int, w: Int, b0: Int, nb: Int,
                                    th: Int, tw: Int, ld: Int, _ dm: UnsafeMutablePointer<Float>) {
        let plane = cout * ld
        let padW = 2 * tw + 16
        Parallel.ranges(nb * cout, grain: 1) { rs in
            let rows = UnsafeMutablePointer<Float>.allocate(capacity: 2 * padW)
            defer { rows.deallocate() }
            rows.update(repeating: 0, count: 2 * padW)
            for r in rs {
                let bi = r / cout, co = r % cout
                let src = gy + ((b0 + bi) * cout + co) * h * w
                let base = dm + co * ld + bi * th * tw
                for ty in 0..<th {
                    for k in 0..<2 {
                        let yy = 2 * ty + k
                        let dst = rows + k * padW
                        // Only columns 0..<w are ever written: the tail stays zero.
                        if yy < h { copyFloats(dst, src + yy * w, w) }
                        else { dst.update(repeating: 0, count: w) }
                    }
                    let out = base + ty * tw
                    // Tiles tx..<tx+V.scalarCount, one per lane (the one-tile path's operations per lane).
                    @inline(__always) func tiles<V: SIMD>(_ tx: Int, _ load: (UnsafePointer<Float>) -> (V, V)) where V.Scalar == Float {
                        let (d00, d01) = load(rows + 2 * tx), (d10, d11) = load(rows + padW + 2 * tx)
                        // A d: four rows (a, b). Negation as ×(−1): SIMD's prefix minus is 0 − x,
                        // which turns a zero (a row or column past the map) into +0 where the
                        // one-tile path's −x gives −0.
                        @inline(__always) func neg(_ x: V) -> V { x * V(repeating: -1) }
                        let ra = (d00, d00 + d10, d00 - d10, neg(d10))
                        let rb = (d01, d01 + d11, d01 - d11, neg(d11))
                        @inline(__always) func put(_ i: Int, _ a: V, _ b: V) {
                            let o = out + tx
                            UnsafeMutableRawPointer(o + (i * 4 + 0) * plane).storeBytes(of: a, as: V.self)
                            UnsafeMutableRawPointer(o + (i * 4 + 1) * plane).storeBytes(of: a + b, as: V.self)
                            UnsafeMutableRawPointer(o + (i * 4 + 2) * plane).storeBytes(of: a - b, as: V.self)
                            UnsafeMutableRawPointer(o + (i * 4 + 3) * plane).storeBytes(of: neg(b), as: V.self)
                        }
                        put(0, ra.0, rb.0); put(1, ra.1, rb.1); put(2, ra.2, rb.2); put(3, ra.3, rb.3)
                    }
                    var tx = 0
                    while tx + 8 <= tw {
                        tiles(tx, evenOdd8)
                        tx += 8
                    }
                    while tx + 4 <= tw {
                        tiles(tx, evenOdd4)
                        tx += 4
                    }
                    while tx < tw {
                        let p0 = rows + 2 * tx, p1 = rows + padW + 2 * tx
                        let d00 = p0[0], d01 = p0[1], d10 = p1[0], d11 = p1[1]
                        let ra = (d00, d00 + d10, d00 - d10, -d10), rb = (d01, d01 + d11, d01 - d11, -d11)
                        let o = out + tx
                        @inline(__always) func put1(_ i: Int, _ a: Float, _ b: Float) {
                            o[(i * 4 + 0) * plane] = a; o[(i * 4 + 1) * plane] = a + b
                            o[(i * 4 + 2) * plane] = a - b; o[(i * 4 + 3) * plane] = -b
                        }
                        put1(0, ra.0, rb.0); put1(1, ra.1, rb.1); put1(2, ra.2, rb.2); put1(3, ra.3, rb.3)
                        tx += 1
                    }
                }
            }
        }
    }

    /// dW = Gᵀ dU G for each (co, ci): the gradient of U = G g Gᵀ.
    static func transformWeightGradient(_ du: UnsafePointer<Float>, cout: Int, cin: Int, _ gw: UnsafeMutablePointer<Float>) {
        let plane = cout * cin
        Parallel.ranges(cout, grain: max(1, 256 / max(cin, 1))) { cos in
            for co in cos {
                for ci in 0..<cin {
                    @inline(__always) func u(_ r: Int, _ c: Int) -> Float { du[(r * 4 + c) * plane + co * cin + ci] }
                    // t = Gᵀ dU (3×4); Gᵀ rows: [1, ½, ½, 0], [0, ½, −½, 0], [0, ½, ½, 1].
                    var t = (SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>())
                    let r0 = SIMD4<Float>(u(0, 0), u(0, 1), u(0, 2), u(0, 3)), r1 = SIMD4<Float>(u(1, 0), u(1, 1), u(1, 2), u(1, 3))
                    let r2 = SIMD4<Float>(u(2, 0), u(2, 1), u(2, 2), u(2, 3)), r3 = SIMD4<Float>(u(3, 0), u(3, 1), u(3, 2), u(3, 3))
                    t.0 = r0 + 0.5 * (r1 + r2)
                    t.1 = 0.5 * (r1 - r2)
                    t.2 = 0.5 * (r1 + r2) + r3
                    let dst = gw + (co * cin + ci) * 9
                    // (t G): columns with the same coefficients.
                    @inline(__always) func row(_ k: Int, _ q: SIMD4<Float>) {
                        dst[k * 3 + 0] = q[0] + 0.5 * (q[1] + q[2])
                        dst[k * 3 + 1] = 0.5 * (q[1] - q[2])
                        dst[k * 3 + 2] = 0.5 * (q[1] + q[2]) + q[3]
                    }
                    row(0, t.0); row(1, t.1); row(2, t.2)
                }
            }
        }
    }

    /// dW [Cout, Cin, 3, 3] for a stride-1, padding-1 3×3 convolution, through the same tiles.
    static func weightGradient(_ gy: Tensor, _ x: Tensor, _ g: ConvGeometry) -> Tensor {
        let (cin, cout, h, w) = (g.cin, g.cout, g.h, g.w)
        let th = (h + 1) / 2, tw = (w + 1) / 2
        let perImage = 16 * (cin + cout) * th * tw
        let group = max(1, min(g.batch, (2 * winogradGroupLimit) / max(perImage, 1)))
        let ldMax = group * th * tw + 48
        let v = TensorStorage(count: 16 * cin * ldMax)
        let dm = TensorStorage(count: 16 * cout * ldMax)
        let du = TensorStorage(count: 16 * cout * cin)
        var b0 = 0
        var first = true
        while b0 < g.batch {
            let nb = min(group, g.batch - b0)
            let tiles = nb * th * tw
            let ld = tiles + 48
            transformInput(x.data, cin: cin, h: h, w: w, b0: b0, nb: nb, th: th, tw: tw, ld: ld, v.pointer)
            transformGradOutput(gy.data, cout: cout, h: h, w: w, b0: b0, nb: nb, th: th, tw: tw, ld: ld, dm.pointer)
            let vp = UnsafePointer(v.pointer), mp = UnsafePointer(dm.pointer), up = du.pointer
            let beta: Float = first ? 0 : 1
            Parallel.forEach(16) { xi in
                sgemmSerial(false, true, cout, cin, tiles, 1, mp + xi * cout * ld, ld, vp + xi * cin * ld, ld,
                            beta, up + xi * cout * cin, cin)
            }
            first = false
            b0 += nb
        }
        let gw = Tensor.empty([cout, cin, 3, 3])
        transformWeightGradient(du.pointer, cout: cout, cin: cin, gw.data)
        return gw
    }

    /// out[B, co, H, W] = conv3×3(x[B, ci, H, W]) with precomputed U (16 × co × ci).
    static func run(_ x: UnsafePointer<Float>, batch: Int, cin: Int, cout: Int, h: Int, w: Int,
                    u: UnsafePointer<Float>, bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>,
                    epilogue: ConvEpilogue? = nil) {
        let th = (h + 1) / 2, tw = (w + 1) / 2
        let perImage = 16 * max(cin, cout) * th * tw
        let group = max(1, min(batch, winogradGroupLimit / max(perImage, 1)))
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
                            out + b0 * cout * h * w, epilogue: epilogue, firstImage: b0)
            b0 += nb
        }
    }

    static func forward(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: ConvGeometry, epilogue: ConvEpilogue? = nil) -> Tensor {
        let out = Tensor.empty([g.batch, g.cout, g.h, g.w])
        let u = transformWeights(w.data, cout: g.cout, cin: g.cin, flipped: false)
        run(x.data, batch: g.batch, cin: g.cin, cout: g.cout, h: g.h, w: g.w, u: u.pointer,
            bias: bias.map { UnsafePointer($0.data) }, out: out.data, epilogue: epilogue)
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
