import Foundation
import FLTensor
import FLData

/// An FLData benchmark as the engine's data source.
public final class BenchmarkData: ContinualData, @unchecked Sendable {
    public let benchmark: Benchmark
    public init(_ b: Benchmark) { benchmark = b }

    public var name: String { benchmark.name }
    public var geometry: TaskGeometry { benchmark.geometry }
    public var inputShape: [Int] { [benchmark.train.channels, benchmark.train.height, benchmark.train.width] }
    public func trainIndices(task: Int) -> [Int] { benchmark.tasks[task].trainIndices }
    public func testIndices(task: Int) -> [Int] { benchmark.tasks[task].testIndices }
    public func trainLabel(_ index: Int) -> Int { benchmark.train.labels[index] }
    public func testLabel(_ index: Int) -> Int { benchmark.test.labels[index] }
    public func trainImages(_ indices: [Int], augmentationSeed: UInt64?) -> Tensor {
        guard let s = augmentationSeed, !benchmark.trainTransform.augmentation.isIdentity else {
            return benchmark.trainTransform.gather(indices)
        }
        return benchmark.trainTransform.gather(indices, augmentationSeed: s)
    }
    public func testImages(_ indices: [Int]) -> Tensor { benchmark.testTransform.gather(indices) }
}

extension BenchmarkRecipe {
    /// The data the recipe describes, with its seeded subset when it has limits.
    public func continualData() throws -> ContinualData {
        let data = BenchmarkData(try load())
        if trainLimit == nil && testLimit == nil { return data }
        return try SubsetData(data, trainPerTask: trainLimit, testPerTask: testLimit)
    }
}
