import XCTest
@testable import FLTensor

/// Every optimized kernel against the plain reference implementation: speed never costs
/// correctness.
final class FastPathTests: XCTestCase {
    override func tearDown() { ConvEngine.algorithm = .automatic }

    func conv(_ algorithm: ConvEngine.Algorithm, _ x: Tensor, _ w: Tensor, _ b: Tensor?, _ seed: Tensor) throws -> ([Float], [Float], [Float], [Float]?) {
        ConvEngine.algorithm = algorithm
        defer { ConvEngine.algorithm = .automatic }
        x.grad = nil; w.grad = nil; b?.grad = nil
        let y = try conv2d(x, weight: w, bias: b, stride: 1, padding: 1)
        try y.backward(seed: seed)
        return (y.toArray(), x.grad!.toArray(), w.grad!.toArray(), b?.grad?.toArray())
    }

    func testWinogradMatchesIm2colForwardAndBackward() throws {
        // Even and odd sizes, channel counts on both sides of the kernel tiles, a bias or not.
        // Widths ≥ 16 take the eight-tiles-per-vector path, with a tail when not a multiple of 16.
        for (i, c) in [(2, 4, 5, 8, 8), (3, 8, 4, 9, 11), (1, 16, 16, 8, 9), (2, 5, 9, 13, 6), (2, 4, 6, 17, 19), (1, 6, 4, 32, 32)].enumerated() {
            let (batch, cin, cout, h, w) = c
            let g = ConvGeometry(batch: batch, cin: cin, h: h, w: w, cout: cout, kh: 3, kw: 3, stride: 1, padding: 1)
            XCTAssertEqual(WinogradConv.applies(g), h * w >= 64, "case \(i): Winograd from 8×8 maps on")
            let x = randn([batch, cin, h, w], seed: 10 + UInt64(i))
            let wt = randn([cout, cin, 3, 3], seed: 20 + UInt64(i), scale: 0.3)
            let b: Tensor? = i % 2 == 0 ? randn([cout], seed: 30 + UInt64(i)) : nil
            let seed = randn([batch, cout, h, w], seed: 40 + UInt64(i), grad: false)
            let fast = try conv(.automatic, x, wt, b, seed)
            let ref = try conv(.im2col, x, wt, b, seed)
            func close(_ a: [Float], _ r: [Float], _ what: String) {
                XCTAssertEqual(a.count, r.count)
                let scale = max(1, r.map(abs).max() ?? 1)
                for j in 0..<a.count { XCTAssertEqual(a[j], r[j], accuracy: 1e-4 * scale, "case \(i) \(what)[\(j)]"); if abs(a[j] - r[j]) > 1e-4 * scale { return } }
            }
            close(fast.0, ref.0, "output")
            close(fast.1, ref.1, "dx")
            close(fast.2, ref.2, "dw")
            if let fb = fast.3, let rb = ref.3 { close(fb, rb, "db") }
        }
    }

    /// The Winograd transforms take tiles eight, then four, then one at a time; every path must
    /// give the one-tile formula's bits, so a map's width never changes a number. Widths give
    /// 4, 5, 6, 8, 9 and 12 tiles a row (four-wide only, four + one, …, eight + four).
    func testWinogradTransformsGiveTheOneTileBitsOnEveryPath() {
        for (i, (h, w)) in [(8, 8), (6, 9), (5, 12), (4, 16), (3, 18), (4, 24)].enumerated() {
            let nb = 2, ch = 3, th = (h + 1) / 2, tw = (w + 1) / 2, ld = nb * th * tw + 5, plane = ch * ld
            let x = randn([nb, ch, h, w], seed: 50 + UInt64(i), grad: false)
            func px(_ b: Int, _ c: Int, _ y: Int, _ xx: Int) -> Float {
                y >= 0 && y < h && xx >= 0 && xx < w ? x.data[((b * ch + c) * h + y) * w + xx] : 0
            }
            // Input: V[ξ][c][t] = (Bᵀ d B)[ξ].
            let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * plane); defer { v.deallocate() }
            WinogradConv.transformInput(x.data, cin: ch, h: h, w: w, b0: 0, nb: nb, th: th, tw: tw, ld: ld, v)
            // Output: Y = Aᵀ M A + bias, fed the V above as M.
            let bias: [Float] = [0.25, -1.5, 3]
            let y = UnsafeMutablePointer<Float>.allocate(capacity: nb * ch * h * w); defer { y.deallocate() }
            bias.withUnsafeBufferPointer { bp in
                WinogradConv.transformOutput(v, cout: ch, h: h, w: w, nb: nb, th: th, tw: tw, ld: ld, bias: bp.baseAddress, y)
            }
            // Gradient: dM = A dY Aᵀ of the input x taken as dY.
            let dm = UnsafeMutablePointer<Float>.allocate(capacity: 16 * plane); defer { dm.deallocate() }
            WinogradConv.transformGradOutput(x.data, cout: ch, h: h, w: w, b0: 0, nb: nb, th: th, tw: tw, ld: ld, dm)
            var mismatches = 0
            for b in 0..<nb {
                for c in 0..<ch {
                    for ty in 0..<th {
                        for tx in 0..<tw {
                            let t = c * ld + b * th * tw + ty * tw + tx
                            let d = (0..<4).map { r in SIMD4<Float>((0..<4).map { px(b, c, 2 * ty - 1 + r, 2 * tx - 1 + $0) }) }
                            let r = [d[0] - d[2], d[1] + d[2], d[2] - d[1], d[1] - d[3]]
                            for a in 0..<4 {
                                let q = r[a]
                                let want = [q[0] - q[2], q[1] + q[2], q[2] - q[1], q[1] - q[3]]
                                for j in 0..<4 where v[(a * 4 + j) * plane + t].bitPattern != want[j].bitPattern { mismatches += 1 }
                            }
                            let m = (0..<4).map { a in SIMD4<Float>((0..<4).map { v[(a * 4 + $0) * plane + t] }) }
                            let a0 = m[0] + m[1] + m[2], a1 = m[1] - m[2] - m[3]
                            let out = [[a0[0] + a0[1] + a0[2] + bias[c], a0[1] - a0[2] - a0[3] + bias[c]],
                                       [a1[0] + a1[1] + a1[2] + bias[c], a1[1] - a1[2] - a1[3] + bias[c]]]
                            for oy in 0..<2 where 2 * ty + oy < h {
                                for ox in 0..<2 where 2 * tx + ox < w {
                                    let got = y[((b * ch + c) * h + 2 * ty + oy) * w + 2 * tx + ox]
                                    if got.bitPattern != out[oy][ox].bitPattern { mismatches += 1 }
                                }
                            }
                            let g00 = px(b, c, 2 * ty, 2 * tx), g01 = px(b, c, 2 * ty, 2 * tx + 1)
                            let g10 = px(b, c, 2 * ty + 1, 2 * tx), g11 = px(b, c, 2 * ty + 1, 2 * tx + 1)
                            let ra = [g00, g00 + g10, g00 - g10, -g10], rb = [g01, g01 + g11, g01 - g11, -g11]
                            for a in 0..<4 {
                                let want = [ra[a], ra[a] + rb[a], ra[a] - rb[a], -rb[a]]
                                for j in 0..<4 where dm[(a * 4 + j) * plane + t].bitPattern != want[j].bitPattern { mismatches += 1 }
                            }
                        }
                    }
                }
            }
            XCTAssertEqual(mismatches, 0, "case \(i) (\(h)×\(w), \(tw) tiles a row)")
        }
    }
}
