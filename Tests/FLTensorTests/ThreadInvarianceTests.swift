import XCTest
@testable import FLTensor

/// The same numbers on any number of threads: every parallel kernel cuts its work into chunks
/// fixed by the problem's shape (GEMM blocks, weight-row blocks, `Parallel.ranges`, inference
/// slices) and combines them in a fixed order, so a training step and an inference pass give
/// the same bits on 1, 2, 3 and 8 threads (8 oversubscribes a 2-core machine on purpose).
final class ThreadInvarianceTests: XCTestCase {
    private var savedThreads = 1
    override func setUp() { savedThreads = Parallel.threads }
    override func tearDown() { Parallel.threads = savedThreads }

    static let threadCounts = [1, 2, 3, 8]

    /// Runs `body` at each thread count and asserts every run returns the same bits as the first.
    private func assertSameBits(_ what: String, _ body: () throws -> [[Float]]) rethrows {
        var first: [[UInt32]]? = nil
        for t in Self.threadCounts {
            Parallel.threads = t
            let bits = try body().map { $0.map(\.bitPattern) }
            guard let reference = first else { first = bits; continue }
            XCTAssertEqual(bits.count, reference.count, what)
            for (i, (a, b)) in zip(bits, reference).enumerated() where a != b {
                let differing = zip(a, b).filter { $0 != $1 }.count
                XCTFail("\(what): output \(i) differs at \(t) threads from \(Self.threadCounts[0]) thread(s) in \(differing) of \(a.count) values")
            }
        }
    }

    func testGEMMBlocksDependOnTheShapeOnly() {
        XCTAssertEqual(BLASThreading.gemmParts(m: 10, n: 10, k: 10), 1)                 // below the threshold
        XCTAssertEqual(BLASThreading.gemmParts(m: 31, n: 31, k: 4096), 1)                // both sides under 32
        for threads in Self.threadCounts {
            Parallel.threads = threads
            XCTAssertEqual(BLASThreading.gemmParts(m: 128, n: 100, k: 784), 2)
            XCTAssertEqual(BLASThreading.gemmParts(m: 64, n: 32_768, k: 576), 2)
            XCTAssertEqual(BLASThreading.gemmParts(m: 20_000, n: 20, k: 20), 2)          // rows split when M is the larger side
        }
    }

    /// Products that take the split (by columns and by rows, uneven and 16-aligned sides,
    /// transposed operands, beta = 1) against one undivided OpenBLAS call: close, and the same bits on every
    /// thread count.
    func testSGEMMGivesTheSameBitsOnAnyThreadCount() {
        let shapes: [(Bool, Bool, Int, Int, Int, Float)] = [
            (false, true, 128, 100, 784, 0), (true, false, 100, 784, 128, 0), (false, false, 64, 1152, 300, 1),
            (false, false, 40, 8192, 45, 0), (true, false, 3000, 24, 64, 0), (false, true, 33, 2100, 17, 1)]
        for (i, (ta, tb, m, n, k, beta)) in shapes.enumerated() {
            XCTAssertGreaterThan(BLASThreading.gemmParts(m: m, n: n, k: k), 1, "case \(i) must split")
            let a = randn([m * k], seed: UInt64(10 + i), grad: false), b = randn([k * n], seed: UInt64(20 + i), grad: false)
            let c0 = randn([m * n], seed: UInt64(30 + i), grad: false)
            var whole = c0.toArray()
            whole.withUnsafeMutableBufferPointer { cp in
                sgemmSerial(ta, tb, m, n, k, 1, a.data, ta ? m : k, b.data, tb ? k : n, beta, cp.baseAddress!, n)
            }
            assertSameBits("sgemm case \(i) \(m)×\(n)×\(k)") {
                let c = c0.clone()
                sgemm(transA: ta, transB: tb, m: m, n: n, k: k, a: a.data, b: b.data, beta: beta, c: c.data)
                let got = c.toArray()
                let worst = zip(got, whole).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-3, "case \(i): the split product is the product")
                return [got]
            }
        }
    }

    /// `Parallel.ranges` cuts the same ranges on any thread count.
    func testRangesAreTheSameOnAnyThreadCount() {
        for (count, grain) in [(100, 1), (1_000_000, 32_768), (70_000, 32_768), (5, 10), (257, 16)] {
            var cuts: [[Int]] = []
            for t in Self.threadCounts {
                Parallel.threads = t
                let lock = NSLock()
                var seen: [Int] = []
                Parallel.ranges(count, grain: grain) { r in lock.lock(); seen.append(r.lowerBound); lock.unlock() }
                cuts.append(seen.sorted())
            }
            XCTAssertTrue(cuts.allSatisfy { $0 == cuts[0] }, "count \(count), grain \(grain): \(cuts)")
            XCTAssertLessThanOrEqual(cuts[0].count, Parallel.maxChunks)
        }
    }

    /// One training step (forward, cross-entropy, backward, SGD with momentum and weight decay,
    /// twice so the momentum is used) and then an inference pass: the loss, every gradient, every
    /// parameter and buffer after the steps and the eval logits have the same bits on 1, 2, 3 and
    /// 8 threads, for the MLP, the small CNN and ResNet-18.
    private func checkTrainingStep(_ name: String, batch: Int, input: [Int], classes: Int,
                                   make: (inout RNG) -> Network) throws {
        try assertSameBits(name) {
            var rng = RNG(seed: 42)
            let net = make(&rng)
            let x = randn([batch] + input, seed: 7, grad: false)
            let labels = (0..<batch).map { ($0 * 7 + 3) % classes }
            let opt = SGD(net.parameters(), lr: 0.05, momentum: 0.9, weightDecay: 5e-4)
            var out: [[Float]] = []
            net.train()
            for _ in 0..<2 {
                opt.zeroGrad()
                let loss = try crossEntropy(net(x), labels)
                try loss.backward()
                out.append(loss.toArray())
                out += net.parameters().map { $0.grad!.toArray() }
                opt.step()
            }
            out += net.stateDict().map { $0.1.toArray() }
            net.eval()
            out.append(try noGrad { try net(x) }.toArray())
            return out
        }
    }

    func testMLPTrainingStepIsTheSameOnAnyThreadCount() throws {
        // 784-100-100-10 at batch 128: the weight-row split (two blocks) and 2-block GEMMs.
        XCTAssertEqual(linearBlocks(batch: 128, fin: 784, fout: 100).count, 2)
        try checkTrainingStep("mlp", batch: 128, input: [784], classes: 10) { MLP(inputs: 784, classes: 10, rng: &$0) }
    }

    func testSmallCNNTrainingStepIsTheSameOnAnyThreadCount() throws {
        // 3×32×32, batch 8: split im2col GEMMs (N = 8·1024), pooling, the 4096→512 layer.
        try checkTrainingStep("cnn", batch: 8, input: [3, 32, 32], classes: 10) {
            SmallCNN(channels: 3, height: 32, width: 32, classes: 10, rng: &$0)
        }
    }

    func testResNet18TrainingStepIsTheSameOnAnyThreadCount() throws {
        // nf = 6, 3×32×32, batch 8: Winograd and im2col convolutions, batch-norm statistics,
        // shortcuts, and an eval pass cut into two slices.
        try checkTrainingStep("resnet18-nf6", batch: 8, input: [3, 32, 32], classes: 10) {
            ResNet18(nf: 6, classes: 10, rng: &$0)
        }
    }
}
