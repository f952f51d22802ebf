import XCTest
@testable import FLTensor

/// Linear layers split their products and their SGD update on the same weight-row blocks
/// (`BLASThreading.weightRowBlocks`). Each output element is still one full dot product, so
/// the split agrees with the plain product to float rounding (OpenBLAS's last bit depends on
/// the block an element falls in), repeats bit for bit, and leaves the SGD update exact.
final class WeightAffinityTests: XCTestCase {
    private var savedThreads = 1
    private var savedAffinity = true
    override func setUp() { savedThreads = Parallel.threads; savedAffinity = BLASThreading.weightRowAffinity; Parallel.threads = 2 }
    override func tearDown() { Parallel.threads = savedThreads; BLASThreading.weightRowAffinity = savedAffinity }

    func testBlocksCoverTheRowsOnMultiplesOfSixteen() {
        XCTAssertEqual(BLASThreading.weightRowBlocks(rows: 100, columns: 784), [0..<48, 48..<100])
        XCTAssertEqual(BLASThreading.weightRowBlocks(rows: 512, columns: 100), [0..<256, 256..<512])
        XCTAssertEqual(BLASThreading.weightRowBlocks(rows: 90, columns: 200), [0..<48, 48..<90])
        XCTAssertEqual(BLASThreading.weightRowBlocks(rows: 10, columns: 100), [0..<10])     // < 16 rows a block
        XCTAssertEqual(BLASThreading.weightRowBlocks(rows: 512, columns: 3136), [0..<512])  // 3.2 MB a block
        for rows in [32, 33, 47, 99, 100, 101, 257] {
            let b = BLASThreading.weightRowBlocks(rows: rows, columns: 50)
            XCTAssertEqual(b.first?.lowerBound, 0); XCTAssertEqual(b.last?.upperBound, rows)
            XCTAssertEqual(b.count, BLASThreading.weightRowParts)
            for (x, y) in zip(b, b.dropFirst()) { XCTAssertEqual(x.upperBound, y.lowerBound); XCTAssertEqual(x.count % 16, 0) }
            XCTAssertTrue(b.allSatisfy { !$0.isEmpty && $0.count <= rows / b.count + 16 }, "\(b)")
        }
        // The blocks are the shape's, whatever the thread count.
        for threads in [1, 2, 3, 8] {
            Parallel.threads = threads
            XCTAssertEqual(linearBlocks(batch: 128, fin: 784, fout: 100), [0..<48, 48..<100], "\(threads) threads")
        }
    }

    /// Forward, input gradient, weight gradient and bias gradient of `linear` with the
    /// weight-row split against the same op computed by the plain GEMM split (to float
    /// rounding), against itself (bit for bit) and against a Float64 reference.
    func testLinearWithTheRowSplitMatchesThePlainSplitAndTheReference() throws {
        var rng = RNG(seed: 11)
        for (batch, fin, fout, bias) in [(128, 784, 100, true), (128, 100, 100, true), (64, 200, 90, false), (5, 7, 3, true)] {
            let x = Tensor.uniform([batch, fin], low: -1, high: 1, rng: &rng)
            let w = Tensor.uniform([fout, fin], low: -0.1, high: 0.1, rng: &rng)
            let b = bias ? Tensor.uniform([fout], low: -0.1, high: 0.1, rng: &rng) : nil
            let seed = Tensor.uniform([batch, fout], low: -1, high: 1, rng: &rng)
            BLASThreading.weightRowAffinity = true
            XCTAssertEqual(linearBlocks(batch: batch, fin: fin, fout: fout).count, batch == 5 ? 1 : 2, "the case must exercise the split")
            func run(_ affinity: Bool) throws -> [[Float]] {
                BLASThreading.weightRowAffinity = affinity
                let xi = x.clone().requiringGrad(), wi = w.clone().requiringGrad(), bi = b?.clone().requiringGrad()
                let y = try linear(xi, weight: wi, bias: bi)
                try y.backward(seed: seed)
                let ts = [y, xi.grad!, wi.grad!] + (bi.map { [$0.grad!] } ?? [])
                return ts.map { t in (0..<t.count).map { t.data[$0] } }
            }
            let split = try run(true), again = try run(true), plain = try run(false)
            let label = "batch \(batch), \(fin)→\(fout)"
            XCTAssertEqual(split, again, "\(label): the row split must repeat bit for bit")
            for (ai, (s, p)) in zip(split, plain).enumerated() {
                XCTAssertEqual(s.count, p.count)
                let scale = max(1, p.map { abs($0) }.max() ?? 0)
                let worst = zip(s, p).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 2e-6 * scale * Float(max(fin, batch)).squareRoot(), "\(label): output \(ai) moved by \(worst) with the row split")
            }
            // Float64 reference of the forward pass and the weight gradient.
            var worstY = 0.0, worstW = 0.0
            for i in 0..<batch { for j in 0..<fout {
                var acc = Double(b?.data[j] ?? 0)
                for k in 0..<fin { acc += Double(x.data[i * fin + k]) * Double(w.data[j * fin + k]) }
                worstY = max(worstY, abs(acc - Double(split[0][i * fout + j])))
            } }
            for j in 0..<fout { for k in stride(from: 0, to: fin, by: 7) {
                var acc = 0.0
                for i in 0..<batch { acc += Double(seed.data[i * fout + j]) * Double(x.data[i * fin + k]) }
                worstW = max(worstW, abs(acc - Double(split[2][j * fin + k])))
            } }
            XCTAssertLessThan(worstY, 1e-4, label); XCTAssertLessThan(worstW, 1e-4, label)
        }
    }

    func testSGDOnAMatrixSplitsOnTheRowBlocksAndMatchesThePlainLoop() {
        var rng = RNG(seed: 5)
        let start = Tensor.uniform([100, 784], low: -1, high: 1, rng: &rng)
        let g = Tensor.uniform([100, 784], low: -1, high: 1, rng: &rng)
        var results: [[Float]] = []
        for affinity in [true, false] {
            BLASThreading.weightRowAffinity = affinity
            let p = start.clone().requiringGrad()
            let opt = SGD([p], lr: 0.05, momentum: 0.9, weightDecay: 1e-4)
            for _ in 0..<3 { p.grad = g; opt.step() }
            results.append((0..<p.count).map { p.data[$0] })
        }
        XCTAssertEqual(results[0], results[1])
        // And by hand for one element in each block.
        for i in [0, 52 * 784 + 3, 99 * 784 + 783] {
            var theta = start.data[i], buf: Float = 0
            for k in 0..<3 {
                let d = g.data[i] + 1e-4 * theta
                buf = k == 0 ? d : 0.9 * buf + d
                theta -= 0.05 * buf
            }
            XCTAssertEqual(results[0][i], theta)
        }
    }
}
