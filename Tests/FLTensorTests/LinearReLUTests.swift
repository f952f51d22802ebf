import XCTest
@testable import FLTensor

/// `linearReLU` fuses `linear(…).relu()`: every value it computes — the output, the input,
/// weight and bias gradients — must be the unfused pair's, bit for bit, with and without the
/// weight-row split, at one and two threads (both take the split), so that no notebook's numbers move.
final class LinearReLUTests: XCTestCase {
    private var savedThreads = 1
    override func setUp() { savedThreads = Parallel.threads }
    override func tearDown() { Parallel.threads = savedThreads }

    private func values(_ t: Tensor) -> [Float] { (0..<t.count).map { t.data[$0] } }

    func testFusedMatchesLinearThenReLUBitForBit() throws {
        var rng = RNG(seed: 21)
        // (batch, in, out, bias, input needs grad): the MLP's layers (split at 2 threads), the
        // CNN's fc1 (too large to split), small ones, no bias, a frozen input.
        let cases = [(128, 784, 100, true, false), (128, 100, 100, true, true), (64, 200, 90, false, true),
                     (32, 3136, 512, true, true), (5, 7, 3, true, true), (9, 40, 33, false, false)]
        for threads in [1, 2] {
            Parallel.threads = threads
            for (batch, fin, fout, bias, inputGrad) in cases {
                // The split path must really be taken where the test says it is (on any thread
                // count: the blocks are the shape's).
                let splits = batch * fin * fout >= 1 << 20 && fin < 3136
                XCTAssertEqual(linearBlocks(batch: batch, fin: fin, fout: fout).count, splits ? 2 : 1, "batch \(batch), \(fin)→\(fout), \(threads) thread(s)")
                let x = Tensor.uniform([batch, fin], low: -1, high: 1, rng: &rng)
                let w = Tensor.uniform([fout, fin], low: -0.1, high: 0.1, rng: &rng)
                let b = bias ? Tensor.uniform([fout], low: -0.1, high: 0.1, rng: &rng) : nil
                // Exact zeros in the output and the seed exercise the mask's edge.
                let seed = Tensor.uniform([batch, fout], low: -1, high: 1, rng: &rng)
                for i in stride(from: 0, to: seed.count, by: 7) { seed.data[i] = 0 }
                func run(_ fused: Bool) throws -> [[Float]] {
                    let xi = x.clone(), wi = w.clone().requiringGrad(), bi = b?.clone().requiringGrad()
                    if inputGrad { xi.requiresGrad = true }
                    let y = fused ? try linearReLU(xi, weight: wi, bias: bi) : try linear(xi, weight: wi, bias: bi).relu()
                    try y.backward(seed: seed)
                    var out = [values(y), values(wi.grad!)]
                    if inputGrad { out.append(values(xi.grad!)) } else { XCTAssertNil(xi.grad) }
                    if let bi { out.append(values(bi.grad!)) }
                    return out
                }
                let fused = try run(true), plain = try run(false)
                let label = "\(threads) thread(s), batch \(batch), \(fin)→\(fout)\(bias ? "" : ", no bias")"
                XCTAssertEqual(fused.count, plain.count, label)
                for (k, (f, p)) in zip(fused, plain).enumerated() {
                    let differ = zip(f, p).filter { $0.0.bitPattern != $0.1.bitPattern }.count
                    XCTAssertEqual(differ, 0, "\(label): \(differ) values of result \(k) differ")
                }
                XCTAssertTrue(fused[0].contains(0) && fused[0].contains { $0 > 0 }, "\(label): the ReLU must cut somewhere")
            }
        }
    }

    func testInferenceIsTheSameAndRecordsNothing() throws {
        var rng = RNG(seed: 3)
        let x = Tensor.uniform([16, 30], low: -1, high: 1, rng: &rng)
        let w = Tensor.uniform([20, 30], low: -0.5, high: 0.5, rng: &rng).requiringGrad()
        let b = Tensor.uniform([20], low: -0.5, high: 0.5, rng: &rng).requiringGrad()
        let y = try noGrad { try linearReLU(x, weight: w, bias: b) }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertEqual(values(y), values(try noGrad { try linear(x, weight: w, bias: b).relu() }))
    }

    func testShapeErrorsNameTheOp() {
        let x = Tensor.zeros([2, 3]), w = Tensor.zeros([4, 5])
        XCTAssertThrowsError(try linearReLU(x, weight: w, bias: nil)) { e in
            XCTAssertTrue("\(e)".contains("linearReLU"), "\(e)")
        }
        XCTAssertThrowsError(try linearReLU(x, weight: Tensor.zeros([4, 3]), bias: Tensor.zeros([3])))
    }
}
