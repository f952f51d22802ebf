import XCTest
@testable import FLCore
import FLTensor
import FLData

/// The one epoch order: every index once, the last partial batch kept, a pure function of
/// (indices, seed) — so a restored run finds any batch directly — and the path both the
/// trainer's epochs and the methods' extra passes take.
final class EpochOrderTests: XCTestCase {
    func testEveryImageOnceAndTheLastPartialBatchIsKept() throws {
        let bench = try Benchmark.named("seq-digits")
        let indices = bench.tasks[0].trainIndices
        XCTAssertEqual(indices.count, 287)  // 142 + 145 digits of classes 0 and 1
        let pass = EpochOrder(indices, seed: 3, batchSize: 50)
        XCTAssertEqual(pass.batchCount, 6)
        let batches = (0..<pass.batchCount).map(pass.batch)
        XCTAssertEqual(batches.map(\.count), [50, 50, 50, 50, 50, 37])
        XCTAssertEqual(batches.flatMap { $0 }.sorted(), indices)
        XCTAssertNotEqual(batches.flatMap { $0 }, indices, "shuffled")
        XCTAssertEqual(batches.flatMap { $0 }, pass.order)
    }

    func testAnyBatchOfAnEpochCanBeComputedDirectly() throws {
        let indices = Array(stride(from: 7, to: 700, by: 3))
        let a = EpochOrder(indices, seed: 1234, batchSize: 32)
        // A fresh order (as after restoring a snapshot) gives the same batches, in any order asked.
        let restored = EpochOrder(indices, seed: 1234, batchSize: 32)
        for b in [a.batchCount - 1, 5, 0] { XCTAssertEqual(restored.batch(b), a.batch(b)) }
        // Another seed gives another order.
        XCTAssertNotEqual(EpochOrder(indices, seed: 99, batchSize: 32).order, a.order)
        XCTAssertEqual(EpochOrder([], seed: 1, batchSize: 8).batchCount, 0)
    }

    func testMethodsPassesAndTheTrainersEpochsShareTheOrder() throws {
        let exp = try Fixtures.experiment("sgd")
        let indices = exp.data.trainIndices(task: 0)
        let batches = exp.batches(indices, seed: 42, augment: false, batchSize: 7)
        let pass = EpochOrder(indices, seed: 42, batchSize: 7)
        XCTAssertEqual(batches.map(\.indices), (0..<pass.batchCount).map(pass.batch))
        XCTAssertEqual(batches.map(\.labels), batches.map { exp.data.trainLabels($0.indices) })
    }
}
