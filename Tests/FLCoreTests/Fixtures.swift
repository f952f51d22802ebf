import Foundation
import XCTest
@testable import FLCore
import FLTensor
import FLData

/// Small synthetic class-incremental problems: Gaussian blobs per class in `dims` dimensions,
/// shaped [1, 1, dims] images, separable enough for a tiny MLP.
enum Fixtures {
    static func blobs(classes: Int = 6, perClass: Int = 30, testPerClass: Int = 10, dims: Int = 8,
                      geometry: TaskGeometry? = nil, seed: UInt64 = 1, spread: Float = 0.6) throws -> InMemoryData {
        var rng = RNG(seed: seed)
        let centers = (0..<classes).map { _ in (0..<dims).map { _ in rng.uniform(-2, 2) } }
        func make(_ per: Int) -> (Tensor, [Int]) {
            let n = classes * per
            let x = Tensor.empty([n, 1, 1, dims])
            var y: [Int] = []
            for i in 0..<n {
                let c = i % classes
                for j in 0..<dims { x.data[i * dims + j] = centers[c][j] + spread * rng.normal() }
                y.append(c)
            }
            return (x, y)
        }
        let (tx, ty) = make(perClass), (vx, vy) = make(testPerClass)
        let g = geometry ?? TaskGeometry(initialClasses: 2, classesPerTask: 2, tasks: classes / 2)
        return try InMemoryData(name: "blobs", geometry: g, trainImages: tx, trainLabels: ty, testImages: vx, testLabels: vy)
    }

    static func config(epochs: Int = 2, batch: Int = 16, lr: Float = 0.05, seed: UInt64 = 3) -> ExperimentConfig {
        var c = ExperimentConfig()
        c.epochsBase = epochs; c.epochsCL = epochs; c.batchSize = batch; c.lr = lr; c.seed = seed; c.momentum = 0.9
        return c
    }

    static func mlp(_ data: ContinualData, hidden: [Int] = [16], seed: UInt64 = 5) throws -> Network {
        try BackboneSpec(kind: "mlp", inputShape: data.inputShape, classes: data.geometry.totalClasses, hidden: hidden, seed: seed).build()
    }

    static func experiment(_ method: String, options: [String: Double] = [:], data: ContinualData? = nil,
                           flashback: FlashbackConfig? = nil, config: ExperimentConfig? = nil, hidden: [Int] = [16]) throws -> Experiment {
        let d = try data ?? blobs()
        return try Experiment(data: d, net: mlp(d, hidden: hidden), strategy: StrategyRegistry.make(method, options: options),
                              config: config ?? Fixtures.config(), flashback: flashback)
    }
}

/// Double-precision reference formulas for hand-computed loss checks.
enum Ref {
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
    /// Mean BCE-with-logits over all entries.
    static func bce(_ z: [[Double]], _ q: [[Double]]) -> Double {
        var s = 0.0, n = 0.0
        for (zr, qr) in zip(z, q) { for (a, b) in zip(zr, qr) { s += -(b * Foundation.log(sigmoid(a)) + (1 - b) * Foundation.log(1 - sigmoid(a))); n += 1 } }
        return s / n
    }
    /// Mean cross-entropy.
    static func ce(_ z: [[Double]], _ y: [Int]) -> Double {
        var s = 0.0
        for (row, label) in zip(z, y) {
            let m = row.max()!
            let lse = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
            s += lse - row[label]
        }
        return s / Double(z.count)
    }
    static func mse(_ a: [[Double]], _ b: [[Double]]) -> Double {
        var s = 0.0, n = 0.0
        for (x, y) in zip(a, b) { for (u, v) in zip(x, y) { s += (u - v) * (u - v); n += 1 } }
        return s / n
    }
    static func cos(_ a: [Double], _ b: [Double]) -> Double {
        let d = zip(a, b).map(*).reduce(0, +)
        let na = a.map { $0 * $0 }.reduce(0, +).squareRoot(), nb = b.map { $0 * $0 }.reduce(0, +).squareRoot()
        return d / max(na * nb, 1e-12)
    }
    static func softmax(_ r: [Double]) -> [Double] {
        let m = r.max()!
        let e = r.map { Foundation.exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }
    static func rows(_ t: Tensor) -> [[Double]] {
        let n = t.shape[1]
        return (0..<t.shape[0]).map { i in (0..<n).map { Double(t.data[i * n + $0]) } }
    }
    static func cols(_ r: [[Double]], _ range: Range<Int>) -> [[Double]] { r.map { Array($0[range]) } }
}
