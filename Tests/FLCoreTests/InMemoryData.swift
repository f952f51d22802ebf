import Foundation
@testable import FLCore
import FLTensor
import FLData

/// A small benchmark held in memory for the tests: images [N, C, H, W]
/// already normalized, labels in class order, a geometry, and a fixed train/test split.
/// Augmentation: none (the data is returned as stored).
final class InMemoryData: ContinualData, @unchecked Sendable {
    let name: String
    let geometry: TaskGeometry
    let inputShape: [Int]
    let trainX: Tensor, testX: Tensor
    let trainY: [Int], testY: [Int]
    let trainByTask: [[Int]], testByTask: [[Int]]

    init(name: String, geometry: TaskGeometry, trainImages: Tensor, trainLabels: [Int],
                testImages: Tensor, testLabels: [Int]) throws {
        guard trainImages.rank >= 2, trainImages.shape[0] == trainLabels.count, testImages.shape[0] == testLabels.count,
              Array(trainImages.shape.dropFirst()) == Array(testImages.shape.dropFirst()) else {
            throw ConfigurationError("in-memory data: images \(shapeString(trainImages.shape)) / \(shapeString(testImages.shape)) do not match \(trainLabels.count) / \(testLabels.count) labels")
        }
        let n = geometry.totalClasses
        for y in trainLabels + testLabels where y < 0 || y >= n {
            throw ConfigurationError("in-memory data: label \(y) outside the \(n) classes of \(geometry)")
        }
        let distinct = Set(trainLabels).count
        guard distinct >= n else {
            throw ConfigurationError("in-memory data: the geometry \(geometry) needs \(n) classes but the training labels hold \(distinct)")
        }
        self.name = name; self.geometry = geometry
        inputShape = Array(trainImages.shape.dropFirst())
        trainX = trainImages; testX = testImages; trainY = trainLabels; testY = testLabels
        trainByTask = (0..<geometry.tasks).map { t in trainLabels.indices.filter { geometry.classes(ofTask: t).contains(trainLabels[$0]) } }
        testByTask = (0..<geometry.tasks).map { t in testLabels.indices.filter { geometry.classes(ofTask: t).contains(testLabels[$0]) } }
    }

    func trainIndices(task: Int) -> [Int] { trainByTask[task] }
    func testIndices(task: Int) -> [Int] { testByTask[task] }
    func trainLabel(_ i: Int) -> Int { trainY[i] }
    func testLabel(_ i: Int) -> Int { testY[i] }
    func trainImages(_ indices: [Int], augmentationSeed: UInt64?) -> Tensor { gather(trainX, indices) }
    func testImages(_ indices: [Int]) -> Tensor { gather(testX, indices) }

    func gather(_ x: Tensor, _ idx: [Int]) -> Tensor {
        let per = x.count / max(x.shape[0], 1)
        let out = Tensor.empty([idx.count] + Array(x.shape.dropFirst()))
        for (k, i) in idx.enumerated() { (out.data + k * per).update(from: x.data + i * per, count: per) }
        return out
    }
}
