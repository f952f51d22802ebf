import XCTest
@testable import FLTensor

/// The inference-only convolution paths must give exactly the numbers of the plain ops: results
/// tables and notebooks were produced with the unfused chain, and teacher forward passes feed
/// training, so "close" is not enough here — every comparison is bit for bit.
final class ConvInferenceTests: XCTestCase {
    private var savedThreads = 1
    override func setUp() { savedThreads = Parallel.threads }
    override func tearDown() { Parallel.threads = savedThreads; ConvEngine.algorithm = .automatic }

    /// Bit-for-bit equality, reported as the number of differing elements and the first one.
    private func assertIdentical(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard a.count == b.count else { return XCTFail("\(what): \(a.count) vs \(b.count) elements", file: file, line: line) }
        let diff = (0..<a.count).filter { a[$0].bitPattern != b[$0].bitPattern }
        if let i = diff.first {
            XCTFail("\(what): \(diff.count) of \(a.count) elements differ, first [\(i)] \(a[i]) vs \(b[i])", file: file, line: line)
        }
    }

    /// The straightforward gather im2col stands for: col[(ci, ky, kx), (b, oy, ox)].
    private func naiveIm2col(_ x: [Float], _ g: ConvGeometry) -> [Float] {
        let plane = g.ho * g.wo, width = g.batch * plane
        var col = [Float](repeating: 0, count: g.k * width)
        for ci in 0..<g.cin { for ky in 0..<g.kh { for kx in 0..<g.kw {
            let row = (ci * g.kh + ky) * g.kw + kx
            for b in 0..<g.batch { for oy in 0..<g.ho { for ox in 0..<g.wo {
                let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                let v: Float = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? x[((b * g.cin + ci) * g.h + iy) * g.w + ix] : 0
                col[row * width + b * plane + oy * g.wo + ox] = v
            } } }
        } } }
        return col
    }

    func testIm2colIsAnExactGather() throws {
        // Stride 1 and 2, padding 0–2, kernels 1/3/5, maps of 4×4 to 33×31 (vector bodies and tails).
        let cases: [(Int, Int, Int, Int, Int, Int, Int)] = [   // batch, cin, h, w, k, stride, padding
            (2, 3, 32, 32, 3, 1, 1), (3, 5, 16, 16, 3, 2, 1), (2, 4, 4, 4, 3, 1, 1), (2, 7, 8, 8, 3, 2, 1),
            (1, 2, 33, 31, 3, 2, 1), (2, 3, 9, 11, 5, 1, 2), (2, 3, 10, 10, 3, 2, 0), (2, 6, 16, 16, 1, 2, 0),
            (1, 2, 7, 7, 3, 3, 1), (2, 2, 28, 28, 3, 1, 1), (1, 3, 12, 20, 3, 2, 2),
        ]
        for (i, c) in cases.enumerated() {
            let g = ConvGeometry(batch: c.0, cin: c.1, h: c.2, w: c.3, cout: 1, kh: c.4, kw: c.4, stride: c.5, padding: c.6)
            let x = randn([g.batch, g.cin, g.h, g.w], seed: 100 + UInt64(i), grad: false)
            let width = g.batch * g.ho * g.wo
            let col = UnsafeMutablePointer<Float>.allocate(capacity: g.k * width)
            defer { col.deallocate() }
            col.update(repeating: .nan, count: g.k * width)      // every element must be written
            for threads in [1, 2] {
                Parallel.threads = threads
                im2col(x.data, g, 0, g.batch, col)
                assertIdentical(Array(UnsafeBufferPointer(start: col, count: g.k * width)), naiveIm2col(x.toArray(), g),
                                "case \(i) \(c), \(threads) threads")
            }
            // A group of images from the middle of the batch lands at the start of col.
            if g.batch > 1 {
                let gw = (g.batch - 1) * g.ho * g.wo
                im2col(x.data, g, 1, g.batch - 1, col)
                let all = naiveIm2col(x.toArray(), g)
                for row in 0..<g.k {
                    assertIdentical(Array(UnsafeBufferPointer(start: col + row * gw, count: gw)),
                                    Array(all[(row * width + g.ho * g.wo)..<((row + 1) * width)]), "case \(i) group, row \(row)")
                }
            }
        }
    }

    /// Running statistics, scale and shift away from their 0/1 defaults.
    private func batchNormParameters(_ c: Int, seed: UInt64) -> (Tensor, Tensor, Tensor, Tensor) {
        let gamma = randn([c], seed: seed, grad: false), beta = randn([c], seed: seed + 1, grad: false)
        let mean = randn([c], seed: seed + 2, grad: false, scale: 0.5)
        let v = try! Tensor(shape: [c], values: randn([c], seed: seed + 3, grad: false).toArray().map { 0.2 + $0 * $0 })
        return (gamma, beta, mean, v)
    }

    func testFusedConvBatchNormMatchesTheSeparateOpsBitForBit() throws {
        // Winograd (3×3 s1 on ≥ 8×8), im2col (stride 2, small maps, 3-channel stem), 1×1 stride 2
        // and stride 1 (pointwise); with and without bias, residual and ReLU; batches large enough
        // that the im2col buffer limit splits them into groups.
        let cases: [(Int, Int, Int, Int, Int, Int, Int)] = [   // batch, cin, cout, hw, k, stride, padding
            (3, 6, 5, 16, 3, 1, 1), (4, 3, 8, 32, 3, 1, 1), (3, 6, 10, 16, 3, 2, 1), (2, 12, 8, 4, 3, 1, 1),
            (3, 6, 10, 16, 1, 2, 0), (2, 5, 7, 9, 1, 1, 0), (2, 4, 6, 11, 3, 1, 1), (600, 4, 4, 24, 3, 2, 1),
        ]
        for (i, c) in cases.enumerated() {
            let (batch, cin, cout, hw, k, stride, padding) = c
            let x = randn([batch, cin, hw, hw], seed: 200 + UInt64(i), grad: false)
            let w = randn([cout, cin, k, k], seed: 300 + UInt64(i), grad: false, scale: 0.3)
            let (gamma, beta, mean, v) = batchNormParameters(cout, seed: 400 + UInt64(i) * 4)
            let ho = (hw + 2 * padding - k) / stride + 1
            let residual = randn([batch, cout, ho, ho], seed: 500 + UInt64(i), grad: false)
            for threads in [1, 2] {
                Parallel.threads = threads
                for (withBias, withResidual, relu) in [(false, false, true), (true, false, false), (false, true, true), (true, true, false)] {
                    let b: Tensor? = withBias ? randn([cout], seed: 600 + UInt64(i), grad: false) : nil
                    let r: Tensor? = withResidual ? residual : nil
                    let what = "case \(i) \(c), \(threads) threads, bias \(withBias) residual \(withResidual) relu \(relu)"
                    let plain: [Float] = try noGrad {
                        let y = try conv2d(x, weight: w, bias: b, stride: stride, padding: padding)
                        let n = try batchNorm(y, weight: gamma, bias: beta, runningMean: mean, runningVar: v, mode: .eval)
                        if let r { return try (relu ? addReLU(n, r) : n + r).toArray() }
                        return (relu ? n.relu() : n).toArray()
                    }
                    let fused = try noGrad {
                        try conv2dBatchNormInference(x, weight: w, bias: b, stride: stride, padding: padding, bnWeight: gamma, bnBias: beta,
                                                     runningMean: mean, runningVar: v, residual: r, relu: relu).toArray()
                    }
                    assertIdentical(fused, plain, what)
                    // While recording it is the separate ops themselves, and differentiable.
                    let xg = try Tensor(shape: x.shape, values: x.toArray(), requiresGrad: true)
                    let recorded = try conv2dBatchNormInference(xg, weight: w, bias: b, stride: stride, padding: padding, bnWeight: gamma,
                                                                bnBias: beta, runningMean: mean, runningVar: v, residual: r, relu: relu)
                    assertIdentical(recorded.toArray(), plain, what + " (recorded)")
                    try recorded.sum().backward()
                    XCTAssertNotNil(xg.grad, what)
                }
            }
        }
    }

    func testFusedConvBatchNormRejectsBadShapesAndKeepsWorking() throws {
        let x = randn([2, 3, 8, 8], seed: 1, grad: false), w = randn([4, 3, 3, 3], seed: 2, grad: false)
        let (gamma, beta, mean, v) = batchNormParameters(4, seed: 3)
        try noGrad {
            XCTAssertThrowsError(try conv2dBatchNormInference(x, weight: w, padding: 1, bnWeight: randn([5], seed: 4, grad: false), bnBias: beta,
                                                              runningMean: mean, runningVar: v, relu: true)) { e in
                XCTAssertTrue("\(e)".contains("batch-norm weight"), "\(e)")
            }
            XCTAssertThrowsError(try conv2dBatchNormInference(x, weight: w, padding: 1, bnWeight: gamma, bnBias: beta, runningMean: mean,
                                                              runningVar: v, residual: randn([2, 4, 7, 7], seed: 5, grad: false), relu: true)) { e in
                XCTAssertTrue("\(e)".contains("residual"), "\(e)")
            }
            XCTAssertThrowsError(try conv2dBatchNormInference(randn([2, 2, 8, 8], seed: 6, grad: false), weight: w, padding: 1, bnWeight: gamma,
                                                              bnBias: beta, runningMean: mean, runningVar: v, relu: true))
            XCTAssertEqual(try conv2dBatchNormInference(x, weight: w, padding: 1, bnWeight: gamma, bnBias: beta, runningMean: mean,
                                                        runningVar: v, relu: true).shape, [2, 4, 8, 8])
        }
    }

    func testResNetEvalPassIsTheUnfusedChainBitForBit() throws {
        // One thread: the recorded pass runs every layer plainly; the no-grad pass takes the fused
        // blocks. Same numbers, logits and features, for a net with trained running statistics.
        Parallel.threads = 1
        var rng = RNG(seed: 5)
        let net = ResNet18(nf: 6, classes: 7, rng: &rng)
        net.train()
        _ = try noGrad { try net(randn([8, 3, 16, 16], seed: 6, grad: false)) }
        for case let bn as BatchNorm2d in net.modules() {
            let c = bn.channels
            bn.weight.data.update(from: randn([c], seed: UInt64(c) + 7, grad: false).toArray(), count: c)
            bn.bias.data.update(from: randn([c], seed: UInt64(c) + 8, grad: false).toArray(), count: c)
        }
        net.eval()
        let x = randn([5, 3, 16, 16], seed: 9, grad: false)
        let fused = try noGrad { try net.forwardWithFeatures(x) }
        let plain = try net.forwardWithFeatures(x)
        assertIdentical(fused.logits.toArray(), plain.logits.toArray(), "logits")
        assertIdentical(fused.features.toArray(), plain.features.toArray(), "features")
        for case let block as BasicBlock in net.modules() {
            XCTAssertNotNil(try noGrad { try block.fusedInference(randn([2, block.conv1.inputChannels, 8, 8], seed: 10, grad: false)) })
        }
        // A batch-norm with batch statistics (training, or LUCIR's frozen mode) is never fused.
        net.train()
        for case let block as BasicBlock in net.modules() {
            XCTAssertNil(try noGrad { try block.fusedInference(randn([2, block.conv1.inputChannels, 8, 8], seed: 11, grad: false)) })
        }
    }
}
