import XCTest
@testable import FLCore
import FLTensor
import FLData

final class BufferTests: XCTestCase {
    /// Herding against brute force: on a tiny set, the greedy choice at each step is the
    /// argmin over all remaining rows of ‖μ − (S + f)/(k+1)‖, checked exhaustively.
    func testHerdingMatchesBruteForceGreedySelection() throws {
        var rng = RNG(seed: 4)
        let n = 7, d = 3
        let f = Tensor.normal([n, d], rng: &rng)
        let picks = herdingSelection(features: f, count: 5)
        XCTAssertEqual(Set(picks).count, 5)
        let rows = (0..<n).map { i in (0..<d).map { Double(f.data[i * d + $0]) } }
        let mu = (0..<d).map { j in rows.map { $0[j] }.reduce(0, +) / Double(n) }
        var sum = [Double](repeating: 0, count: d)
        var taken = Set<Int>()
        for (k, p) in picks.enumerated() {
            var best = -1, bestCost = Double.infinity
            for i in 0..<n where !taken.contains(i) {
                let cost = (0..<d).map { j -> Double in let v = mu[j] - (sum[j] + rows[i][j]) / Double(k + 1); return v * v }.reduce(0, +)
                if cost < bestCost { bestCost = cost; best = i }
            }
            XCTAssertEqual(p, best, "pick \(k)")
            taken.insert(best)
            for j in 0..<d { sum[j] += rows[best][j] }
        }
        // First pick of a symmetric set is the point nearest the mean.
        let sym = try Tensor(shape: [3, 1], values: [-1, 0.1, 1])
        XCTAssertEqual(herdingSelection(features: sym, count: 1), [1])
    }

    /// Reservoir sampling keeps every stream item with probability capacity / stream length.
    func testReservoirSamplingIsUniformOverTheStream() {
        let capacity = 10, stream = 50, trials = 4000
        var hits = [Int](repeating: 0, count: stream)
        for t in 0..<trials {
            let b = ReplayBuffer(capacity: capacity, policy: .reservoir, seed: UInt64(t))
            for i in 0..<stream { b.addReservoir(indices: [i], labels: [i % 5], task: 0) }
            XCTAssertEqual(b.count, capacity)
            for i in b.indices { hits[i] += 1 }
        }
        let expected = Double(trials * capacity) / Double(stream)   // 800
        let sd = (Double(trials) * 0.2 * 0.8).squareRoot()          // binomial sd ≈ 25
        for (i, h) in hits.enumerated() { XCTAssertEqual(Double(h), expected, accuracy: 5 * sd, "item \(i)") }
        // Early and late items are equally likely (no bias toward the stream's start).
        let early = hits[0..<10].reduce(0, +), late = hits[40..<50].reduce(0, +)
        XCTAssertEqual(Double(early), Double(late), accuracy: 0.1 * Double(early))
    }

    func testShrinkKeepsFirstPerClassAndLogits() throws {
        let b = ReplayBuffer(capacity: 6, policy: .herding, logitWidth: 2, seed: 1)
        for (i, y) in [0, 0, 0, 1, 1, 1].enumerated() {
            b.append(index: 100 + i, label: y, task: 0, logits: try Tensor(shape: [1, 2], values: [Float(i), -Float(i)]))
        }
        b.shrink(perClass: 2)
        XCTAssertEqual(b.indices, [100, 101, 103, 104])
        XCTAssertEqual(b.logitRows([2])?.toArray(), [3, -3])
        XCTAssertEqual(b.classHistogram(), [0: 2, 1: 2])
        let s = b.sampleSlots(3)
        XCTAssertEqual(Set(s).count, 3)
        XCTAssertTrue(s.allSatisfy { $0 < 4 })
    }
}
