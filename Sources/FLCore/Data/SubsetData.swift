import Foundation
import FLTensor
import FLData

/// A benchmark restricted to the first n training (and m test) images of each task, in an
/// order fixed by a seed — for short configurations of long notebooks and quick experiments.
public final class SubsetData: ContinualData, @unchecked Sendable {
    let base: ContinualData
    /// The full benchmark this subset is drawn from.
    public var baseData: ContinualData { base }
    let train: [[Int]], test: [[Int]]

    public init(_ base: ContinualData, trainPerTask: Int?, testPerTask: Int?, seed: UInt64 = 0x5B5E7) throws {
        if let n = trainPerTask, n < 1 { throw ConfigurationError("limit: at least one training image per task (got \(n))") }
        if let m = testPerTask, m < 1 { throw ConfigurationError("test_limit: at least one test image per task (got \(m))") }
        self.base = base
        func pick(_ idx: [Int], _ n: Int?, _ salt: UInt64) -> [Int] {
            guard let n, n < idx.count else { return idx }
            var rng = RNG(seed: deriveSeed(seed, salt, UInt64(idx.count)))
            return rng.permutation(idx.count).prefix(n).sorted().map { idx[$0] }
        }
        let g = base.geometry
        train = (0..<g.tasks).map { pick(base.trainIndices(task: $0), trainPerTask, UInt64(2 * $0)) }
        test = (0..<g.tasks).map { pick(base.testIndices(task: $0), testPerTask, UInt64(2 * $0 + 1)) }
    }

    public var name: String { base.name }
    public var geometry: TaskGeometry { base.geometry }
    public var inputShape: [Int] { base.inputShape }
    public func trainIndices(task: Int) -> [Int] { train[task] }
    public func testIndices(task: Int) -> [Int] { test[task] }
    public func trainLabel(_ index: Int) -> Int { base.trainLabel(index) }
    public func testLabel(_ index: Int) -> Int { base.testLabel(index) }
    public func trainImages(_ indices: [Int], augmentationSeed: UInt64?) -> Tensor { base.trainImages(indices, augmentationSeed: augmentationSeed) }
    public func testImages(_ indices: [Int]) -> Tensor { base.testImages(indices) }
}
