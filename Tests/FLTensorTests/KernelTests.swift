import XCTest
@testable import FLTensor

/// Optimized kernels against plain reference implementations and hand-computed cases.
final class KernelTests: XCTestCase {
    func naiveGemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: [Float], _ b: [Float]) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s: Double = 0
            for p in 0..<k {
                let av = ta ? a[p * m + i] : a[i * k + p]
                let bv = tb ? b[j * k + p] : b[p * n + j]
                s += Double(av) * Double(bv)
            }
            c[i * n + j] = s
        } }
        return c
    }

    func testSgemmMatchesNaiveReferenceInAllTransposeCombinations() {
        var rng = RNG(seed: 1)
        // Shapes large enough that OpenBLAS uses its blocked, multi-threaded kernels.
        for (m, n, k) in [(3, 5, 7), (67, 131, 45), (256, 300, 129)] {
            let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }
            let b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
            for ta in [false, true] { for tb in [false, true] {
                var c = [Float](repeating: 0, count: m * n)
                a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                    sgemm(transA: ta, transB: tb, m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!)
                } } }
                let ref = naiveGemm(ta, tb, m, n, k, a, b)
                var worst: Double = 0
                for i in 0..<(m * n) { worst = max(worst, abs(Double(c[i]) - ref[i])) }
                XCTAssertLessThan(worst, 1e-4 * Double(k), "m\(m) n\(n) k\(k) transA \(ta) transB \(tb): max error \(worst)")
            } }
        }
    }

    func testSgemmAlphaBetaAccumulate() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c: [Float] = [1, 1, 1, 1]
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            sgemm(m: 2, n: 2, k: 2, alpha: 2, a: pa.baseAddress!, b: pb.baseAddress!, beta: 1, c: pc.baseAddress!)
        } } }
        XCTAssertEqual(c, [39, 45, 87, 101])
    }

    /// Direct 7-loop convolution in Float64 as the reference.
    func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int, pad: Int) -> [Double] {
        let (bn, ci, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (co, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let ho = (h + 2 * pad - kh) / stride + 1, wo = (wd + 2 * pad - kw) / stride + 1
        var out = [Double](repeating: 0, count: bn * co * ho * wo)
        for n in 0..<bn { for o in 0..<co { for y in 0..<ho { for xx in 0..<wo {
            var s = Double(b?.data[o] ?? 0)
            for c in 0..<ci { for ky in 0..<kh { for kx in 0..<kw {
                let iy = y * stride - pad + ky, ix = xx * stride - pad + kx
                if iy < 0 || iy >= h || ix < 0 || ix >= wd { continue }
                s += Double(x[n, c, iy, ix]) * Double(w[o, c, ky, kx])
            } } }
            out[((n * co + o) * ho + y) * wo + xx] = s
        } } } }
        return out
    }

    func testConv2dHandComputedCase() throws {
        // 1 image, 1 channel 3×3, kernel 2×2 of ones, no padding: each output sums a 2×2 window.
        let x = try Tensor(shape: [1, 1, 3, 3], values: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let w = Tensor.ones([1, 1, 2, 2])
        let y = try conv2d(x, weight: w, bias: Tensor([0.5]))
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.toArray(), [12.5, 16.5, 24.5, 28.5])
        // Padding 1, stride 2, kernel 3×3 centre-only (identity tap): picks x[0,0], x[0,2], x[2,0], x[2,2].
        var k = [Float](repeating: 0, count: 9); k[4] = 1
        let y2 = try conv2d(x, weight: try Tensor(shape: [1, 1, 3, 3], values: k), stride: 2, padding: 1)
        XCTAssertEqual(y2.toArray(), [1, 3, 7, 9])
    }

    func testConv2dMatchesDirectConvolution() throws {
        let cases: [(Int, Int, Int, Int, Int, Int, Int)] = [ // batch, cin, cout, hw, k, stride, pad
            (3, 3, 8, 9, 3, 1, 1), (2, 4, 6, 8, 3, 2, 1), (2, 5, 7, 6, 1, 1, 0), (3, 4, 4, 7, 1, 2, 0), (1, 2, 3, 5, 5, 1, 2),
            // Stride 2 on rows wide enough for the vectorized gather, odd width for its tail.
            (2, 3, 4, 41, 3, 2, 1), (1, 2, 3, 36, 1, 2, 0),
        ]
        for (i, c) in cases.enumerated() {
            let x = randn([c.0, c.1, c.3, c.3], seed: 100 + UInt64(i), grad: false)
            let w = randn([c.2, c.1, c.4, c.4], seed: 200 + UInt64(i), grad: false)
            let b = randn([c.2], seed: 300 + UInt64(i), grad: false)
            let y = try conv2d(x, weight: w, bias: b, stride: c.5, padding: c.6)
            let ref = naiveConv(x, w, b, stride: c.5, pad: c.6)
            XCTAssertEqual(y.count, ref.count)
            for j in 0..<ref.count { XCTAssertEqual(Double(y.data[j]), ref[j], accuracy: 1e-4, "case \(i) element \(j)") }
        }
    }

    func testConvWithManyImagesSplitsIntoGroupsCorrectly() throws {
        // Enough images that the im2col buffer limit forces several groups.
        let x = randn([40, 16, 32, 32], seed: 7, grad: true)
        let w = randn([16, 16, 3, 3], seed: 8, grad: true, scale: 0.1)
        XCTAssertGreaterThan(Im2colConv.groupSize(ConvGeometry(batch: 40, cin: 16, h: 32, w: 32, cout: 16, kh: 3, kw: 3, stride: 1, padding: 1)), 0)
        let y = try conv2d(x, weight: w, padding: 1)
        let ref = naiveConv(try x.slice(start: 39, end: 40), w, nil, stride: 1, pad: 1)
        let last = try y.slice(start: 39, end: 40)
        for j in stride(from: 0, to: ref.count, by: 97) { XCTAssertEqual(Double(last.data[j]), ref[j], accuracy: 1e-3) }
        try y.sum().backward()
        XCTAssertNotNil(x.grad); XCTAssertNotNil(w.grad)
    }

    func testBatchNormHandComputedCase() throws {
        // One channel, values 1,2,3,4: mean 2.5, biased var 1.25.
        let x = try Tensor(shape: [2, 1, 1, 2], values: [1, 2, 3, 4])
        let gamma = try Tensor(shape: [1], values: [2]), beta = try Tensor(shape: [1], values: [1])
        let rm = Tensor.zeros([1]), rv = Tensor.ones([1])
        let y = try batchNorm(x, weight: gamma, bias: beta, runningMean: rm, runningVar: rv, mode: .train, momentum: 0.1, eps: 0)
        let s = 1 / Float(1.25).squareRoot()
        let expected: [Float] = [1, 2, 3, 4].map { 2 * ($0 - 2.5) * s + 1 }
        for (a, b) in zip(y.toArray(), expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // Running stats: mean 0.9·0 + 0.1·2.5; var 0.9·1 + 0.1·(5/3) (unbiased).
        XCTAssertEqual(rm.data[0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(rv.data[0], 0.9 + 0.1 * 5 / 3, accuracy: 1e-6)
        // Eval uses the running statistics.
        let ye = try batchNorm(x, weight: gamma, bias: beta, runningMean: rm, runningVar: rv, mode: .eval, eps: 0)
        XCTAssertEqual(ye.data[0], 2 * (1 - 0.25) / rv.data[0].squareRoot() + 1, accuracy: 1e-5)
        // Frozen statistics: batch-normalized output, running stats untouched.
        let before = (rm.data[0], rv.data[0])
        _ = try batchNorm(x, weight: gamma, bias: beta, runningMean: rm, runningVar: rv, mode: .batchStatsFrozen, eps: 0)
        XCTAssertEqual(rm.data[0], before.0); XCTAssertEqual(rv.data[0], before.1)
    }

    func testPoolingHandComputed() throws {
        let x = try Tensor(shape: [1, 1, 4, 4], values: (1...16).map(Float.init))
        XCTAssertEqual(try maxPool2d(x, kernel: 2).toArray(), [6, 8, 14, 16])
        XCTAssertEqual(try avgPool2d(x, kernel: 2).toArray(), [3.5, 5.5, 11.5, 13.5])
        XCTAssertEqual(try globalAvgPool(x).toArray(), [8.5])
    }

    func testParallelSumIsDeterministicAndAccurate() {
        let n = 1_000_003
        let t = Tensor.empty([n])
        for i in 0..<n { t.data[i] = Float(i % 7) - 3 }
        let s1 = t.sum().data[0], s2 = t.sum().data[0]
        XCTAssertEqual(s1, s2)
        var ref: Double = 0
        for i in 0..<n { ref += Double(i % 7) - 3 }
        XCTAssertEqual(Double(s1), ref, accuracy: 1)
    }

    /// Back-to-back parallel regions of changing sizes on a pool with more threads than cores
    /// (so workers get preempted between seeing a region and joining it): every chunk of every
    /// region must run exactly once, and only inside its own region.
    func testWorkerPoolRunsEveryChunkOnceAcrossBackToBackRegions() {
        let pool = WorkerPool(workers: 3)
        var rng = RNG(seed: 7)
        let counts = UnsafeMutablePointer<Int32>.allocate(capacity: 64)
        defer { counts.deallocate() }
        var wrong = 0
        for region in 0..<4000 {
            let chunks = 1 + Int(rng.next() % 64)
            counts.initialize(repeating: 0, count: 64)
            let tag = Int32(region & 0xFFFF)
            pool.run(chunks: chunks, threads: 4) { c in counts[c] &+= 1 &+ (tag << 8) }
            for c in 0..<64 where counts[c] != (c < chunks ? 1 &+ (tag << 8) : 0) { wrong += 1 }
            if region % 500 == 499 { usleep(2_000) }   // let the workers fall asleep now and then
        }
        XCTAssertEqual(wrong, 0, "chunks run twice, skipped, or run with another region's body")
    }
}
