import XCTest
import CKernels
@testable import FLTensor

/// flnb's own GEMM (Sources/CKernels/gemm.c): right against a Float64 product, and the same bits
/// on every path, tiling and split.
final class GEMMTests: XCTestCase {
    private var savedPath = GEMMPath.current
    private var savedThreads = 1
    override func setUp() { savedPath = GEMMPath.current; savedThreads = Parallel.threads }
    override func tearDown() { GEMMPath.current = savedPath; Parallel.threads = savedThreads }

    /// Odd shapes, edge tiles on both sides, k = 1, k across several k-blocks (384) and a huge k.
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 17, 1), (7, 13, 1), (6, 16, 8), (5, 15, 7), (13, 33, 257), (12, 32, 385),
        (97, 3, 9), (100, 37, 600), (128, 100, 784), (193, 70, 40), (31, 9, 5000), (2, 300, 769),
    ]

    private func random(_ count: Int, _ rng: inout RNG) -> [Float] {
        (0..<count).map { _ in Float(rng.uniformDouble() * 2 - 1) }
    }

    /// Runs flnb's kernel on `path` through the C entry point (no split), with row strides
    /// larger than the rows (`pad` extra floats) so packing must honour lda/ldb/ldc.
    private func gemm(_ path: GEMMPath, _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int,
                      _ a: [Float], _ b: [Float], beta: Float, c c0: [Float], pad: Int) -> [Float] {
        let lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad
        func spread(_ x: [Float], rows: Int, cols: Int, ld: Int) -> [Float] {
            var out = [Float](repeating: .nan, count: rows * ld)
            for r in 0..<rows { for c in 0..<cols { out[r * ld + c] = x[r * cols + c] } }
            return out
        }
        let pa = spread(a, rows: ta ? k : m, cols: ta ? m : k, ld: lda)
        let pb = spread(b, rows: tb ? n : k, cols: tb ? k : n, ld: ldb)
        var pc = spread(c0, rows: m, cols: n, ld: ldc)
        let status = pa.withUnsafeBufferPointer { ua in pb.withUnsafeBufferPointer { ub in pc.withUnsafeMutableBufferPointer { uc in
            fl_sgemm(path.isa, ta ? 1 : 0, tb ? 1 : 0, m, n, k, ua.baseAddress, lda, ub.baseAddress, ldb, beta, uc.baseAddress, ldc)
        } } }
        XCTAssertEqual(status, 0)
        var out = [Float](repeating: 0, count: m * n)
        for r in 0..<m {
            for c in 0..<n { out[r * n + c] = pc[r * ldc + c] }
            // The padding past each row of C is never written.
            for c in n..<ldc { XCTAssertTrue(pc[r * ldc + c].isNaN, "wrote past row \(r) of C") }
        }
        return out
    }

    func testMatchesFloat64ProductOnEveryTransposeAndBeta() throws {
        let path = GEMMPath.best
        try XCTSkipIf(path == .blas, "this CPU has no AVX2 + FMA: flnb's kernels do not run here")
        var rng = RNG(seed: 7)
        for (m, n, k) in Self.shapes {
            let a = random(m * k, &rng), b = random(k * n, &rng), c0 = random(m * n, &rng)
            for ta in [false, true] { for tb in [false, true] { for beta: Float in [0, 1, -0.5] {
                let c = gemm(path, ta, tb, m, n, k, a, b, beta: beta, c: c0, pad: 3)
                for i in 0..<m { for j in 0..<n {
                    var sum = beta == 0 ? 0 : Double(beta) * Double(c0[i * n + j])
                    var size = abs(sum)
                    for p in 0..<k {
                        let x = Double(ta ? a[p * m + i] : a[i * k + p]), y = Double(tb ? b[j * k + p] : b[p * n + j])
                        sum += x * y
                        size += abs(x * y)
                    }
                    // One rounding per step of a k-long chain: |error| ≤ k·ε·Σ|terms|.
                    let bound = Double(k + 2) * Double(Float.ulpOfOne) * max(size, 1e-30)
                    let got = Double(c[i * n + j])
                    if abs(got - sum) > bound {
                        XCTFail("m\(m) n\(n) k\(k) ta \(ta) tb \(tb) beta \(beta) [\(i),\(j)]: \(got) vs \(sum)")
                        return
                    }
                } }
            } } }
        }
    }

    func testBetaZeroIgnoresWhatCHolds() throws {
        try XCTSkipIf(GEMMPath.best == .blas, "no AVX2 + FMA here")
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        let c = gemm(GEMMPath.best, false, false, 2, 2, 2, a, b, beta: 0, c: [.nan, .infinity, .nan, -.infinity], pad: 0)
        XCTAssertEqual(c, [19, 22, 43, 50])
    }

    /// The AVX-512 path's 12×32 tiling (run with AVX2 instructions where AVX-512 is missing)
    /// gives the bits of the AVX2 path's 6×16 tiling, on random shapes and every transpose.
    func testWideTilingIsBitIdenticalToAVX2() throws {
        try XCTSkipIf(GEMMPath.best == .blas, "no AVX2 + FMA here")
        var rng = RNG(seed: 11)
        try assertSameBits(.avx2, pad: 1, as: .avx2Wide, pad: 0, rng: &rng) { trial, rng in
            let m = 1 + Int(rng.uniformDouble() * 70), n = 1 + Int(rng.uniformDouble() * 90)
            let k = trial % 10 == 0 ? 400 + Int(rng.uniformDouble() * 500) : 1 + Int(rng.uniformDouble() * 60)
            return (m, n, k)
        }
    }

    /// On an AVX-512 host: the AVX-512 instructions give the AVX2 path's bits.
    func testAVX512IsBitIdenticalToAVX2() throws {
        try XCTSkipUnless(GEMMPath.avx512.isSupported, "this CPU has no AVX-512F: the AVX-512 path is checked on AVX-512 hosts (its tiling is checked here by testWideTilingIsBitIdenticalToAVX2)")
        var rng = RNG(seed: 13)
        try assertSameBits(.avx2, pad: 0, as: .avx512, pad: 2, rng: &rng) { _, rng in
            (1 + Int(rng.uniformDouble() * 150), 1 + Int(rng.uniformDouble() * 150), 1 + Int(rng.uniformDouble() * 900))
        }
    }

    /// 40 random products (shapes from `shape`, every transpose, beta 0 and 1) on two paths,
    /// asserting the same bits.
    private func assertSameBits(_ x: GEMMPath, pad padX: Int, as y: GEMMPath, pad padY: Int, rng: inout RNG,
                                shape: (Int, inout RNG) -> (Int, Int, Int)) throws {
        for trial in 0..<40 {
            let (m, n, k) = shape(trial, &rng)
            let ta = trial % 2 == 1, tb = trial % 4 >= 2, beta: Float = trial % 3 == 0 ? 1 : 0
            let a = random(m * k, &rng), b = random(k * n, &rng), c0 = random(m * n, &rng)
            let first = gemm(x, ta, tb, m, n, k, a, b, beta: beta, c: c0, pad: padX)
            let second = gemm(y, ta, tb, m, n, k, a, b, beta: beta, c: c0, pad: padY)
            XCTAssertEqual(first.map(\.bitPattern), second.map(\.bitPattern), "\(x) vs \(y): m\(m) n\(n) k\(k) ta \(ta) tb \(tb)")
        }
    }

    /// Through `sgemm`, which splits large products between threads: the same bits on 1, 2, 3
    /// and 8 threads, and the same as one undivided call.
    func testSplitBetweenThreadsKeepsTheBits() throws {
        let path = GEMMPath.best
        try XCTSkipIf(path == .blas, "no AVX2 + FMA here")
        GEMMPath.current = path
        var rng = RNG(seed: 17)
        for (m, n, k, ta, tb) in [(128, 300, 100, false, true), (300, 64, 200, true, false), (70, 1000, 33, false, false)] {
            let a = random(m * k, &rng), b = random(k * n, &rng)
            let whole = gemm(path, ta, tb, m, n, k, a, b, beta: 0, c: [Float](repeating: 0, count: m * n), pad: 0)
            for t in [1, 2, 3, 8] {
                Parallel.threads = t
                var c = [Float](repeating: 0, count: m * n)
                a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                    sgemm(transA: ta, transB: tb, m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!)
                } } }
                XCTAssertEqual(c.map(\.bitPattern), whole.map(\.bitPattern), "\(m)×\(n)×\(k) on \(t) threads")
            }
        }
    }

    func testFLNB_ISAIsParsedAndCheckedAgainstTheCPU() throws {
        XCTAssertEqual(try GEMMPath.fromEnvironment([:]), GEMMPath.best)
        XCTAssertEqual(try GEMMPath.fromEnvironment(["FLNB_ISA": "auto"]), GEMMPath.best)
        XCTAssertEqual(try GEMMPath.fromEnvironment(["FLNB_ISA": "blas"]), .blas)
        XCTAssertEqual(try GEMMPath.fromEnvironment(["FLNB_ISA": "BLAS"]), .blas)
        XCTAssertThrowsError(try GEMMPath.fromEnvironment(["FLNB_ISA": "sse9"])) { error in
            XCTAssertTrue("\(error)".contains("FLNB_ISA=sse9"), "\(error)")
            XCTAssertTrue("\(error)".contains("avx2"), "\(error)")
        }
        if !GEMMPath.avx512.isSupported {
            XCTAssertThrowsError(try GEMMPath.fromEnvironment(["FLNB_ISA": "avx512"])) { error in
                XCTAssertTrue("\(error)".contains("AVX-512"), "\(error)")
            }
        } else {
            XCTAssertEqual(try GEMMPath.fromEnvironment(["FLNB_ISA": "avx512"]), .avx512)
        }
    }
}
