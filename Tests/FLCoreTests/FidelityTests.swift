import XCTest
@testable import FLCore
import FLTensor
import FLData

/// The fixes that bring flnb to the reference implementation's behaviour (issue 17): each one
/// checked against a hand computation or against the order of events the reference has.
final class FidelityTests: XCTestCase {
    // MARK: SupCon's reduction (utils/simclrloss.py, reduction 'sum', base temperature = τ)

    /// Float64 SupCon as the reference reduces it: per anchor −mean over positives of the
    /// log-softmax (self excluded), averaged over the views of its sample, summed over samples.
    func referenceSupCon(_ f: [[Double]], labels: [Int], views: Int, tau: Double) -> Double {
        let rows = f.count
        let rowLabel = labels.flatMap { Array(repeating: $0, count: views) }
        var perSample = [Double](repeating: 0, count: labels.count)
        for i in 0..<rows {
            let s = (0..<rows).map { j in zip(f[i], f[j]).map { $0 * $1 }.reduce(0, +) / tau }
            let logDen = Foundation.log((0..<rows).filter { $0 != i }.map { Foundation.exp(s[$0]) }.reduce(0, +))
            let pos = (0..<rows).filter { $0 != i && rowLabel[$0] == rowLabel[i] }
            let l = pos.isEmpty ? 0 : -pos.map { s[$0] - logDen }.reduce(0, +) / Double(pos.count)
            perSample[i / views] += l / Double(views)
        }
        return perSample.reduce(0, +)
    }

    func testSupConAveragesEachSamplesViewsThenSumsOverSamples() throws {
        var rng = RNG(seed: 7)
        for (labels, views) in [([0, 0], 2), ([0, 1, 0], 2), ([1, 0, 1, 1], 3)] {
            let rows = labels.count * views
            var f = (0..<rows).map { _ in (0..<3).map { _ in Double(rng.uniform(-1, 1)) } }
            f = f.map { r in let n = r.map { $0 * $0 }.reduce(0, +).squareRoot(); return r.map { $0 / n } }
            let t = try Tensor(shape: [rows, 3], values: f.flatMap { $0.map(Float.init) })
            let got = try supConLoss(features: t, labels: labels, views: views, temperature: 5)
            let expected = referenceSupCon(f, labels: labels, views: views, tau: 5)
            XCTAssertEqual(Double(got.data[0]), expected, accuracy: 1e-5, "labels \(labels), \(views) views")
        }
        // The hand case: two samples of one class, two views each, unit vectors at 0°, 90°, 180°, 270°.
        // Every anchor has the same loss l = −mean_p(s_p − log Σ_{a≠i} e^{s_a}) with s ∈ {0, 0, −1/τ·…}.
        let tau = 1.0
        let f: [[Double]] = [[1, 0], [0, 1], [-1, 0], [0, -1]]
        // Anchor 0: others have similarities 0, −1, 0 → log-denominator log(1 + e^−1 + 1); positives all three.
        let logDen = Foundation.log(2 + Foundation.exp(-1.0))
        let l = -((0 - logDen) + (-1 - logDen) + (0 - logDen)) / 3
        let t = try Tensor(shape: [4, 2], values: f.flatMap { $0.map(Float.init) })
        let got = try supConLoss(features: t, labels: [0, 0], views: 2, temperature: Float(tau))
        // Four anchors with loss l: each sample's two views average to l; two samples sum to 2l
        // (the earlier reduction, a sum over samples × views, gave 4l).
        XCTAssertEqual(Double(got.data[0]), 2 * l, accuracy: 1e-6)
    }

    // MARK: LwF.MC's wd_reg at every task (models/fl_lwf_mc.py)

    func testLwFMCWeightRegularizerAppliesAtTaskZero() throws {
        let data = try Fixtures.blobs()
        let exp = try Fixtures.experiment("lwf_mc", options: ["wd_reg": 0.01], data: data)
        let x = data.trainImages(Array(0..<4), augmentationSeed: nil)
        let batch = Batch(inputs: x, labels: [0, 1, 0, 1], raw: x, indices: [0, 1, 2, 3], task: 0)
        let terms = try exp.strategy.observe(batch, context: TaskContext(task: 0, geometry: data.geometry), experiment: exp)
        let sq = exp.net.parameters().reduce(0.0) { acc, p in acc + (0..<p.count).reduce(0.0) { $0 + Double(p.data[$1] * p.data[$1]) } }
        let wd = try XCTUnwrap(terms.values["wd_reg"], "task 0 has the wd_reg term")
        XCTAssertEqual(wd, 0.01 * sq, accuracy: 1e-5 * max(1, sq))
        // And in Phase 2, whose loss is the baseline's plus the plastic term.
        let p2 = try exp.strategy.observe(batch, context: TaskContext(task: 1, geometry: data.geometry, phase: .flashback), experiment: exp)
        XCTAssertNotNil(p2.values["wd_reg"])
    }

    // MARK: FWT's pre-task accuracy after the begin-task hook (utils/training.py)

    func testPreTaskAccuracyIsMeasuredAfterTheBeginTaskHook() throws {
        let exp = try Fixtures.experiment("lucir", options: ["buffer_size": 20, "fitting_epochs": 1])
        try exp.step(.task)
        XCTAssertEqual(exp.cursor.task, 1); XCTAssertEqual(exp.cursor.stage, .beginTask)
        let beforeHook = exp.net.copy() as! Network
        beforeHook.eval()
        let stale = try exp.evaluate(task: 1, using: beforeHook)
        try exp.stepUnits(1)   // one unit: the begin-task transition of task 1 (LUCIR imprints head 1)
        XCTAssertEqual(exp.cursor.stage, .training); XCTAssertEqual(exp.cursor.batch, 0)
        let c = try XCTUnwrap(exp.metrics.preTaskClassIL[1])
        let expected = try exp.evaluate(task: 1)   // the imprinted network, before any batch of task 1
        XCTAssertEqual(c, expected.0, "pre-task accuracy is the imprinted network's")
        XCTAssertNotEqual(c, stale.0, "the imprint changes task 1's pre-task accuracy, so the order is observable")
    }

    // MARK: Initialization (mammoth's backbone/__init__.py `xavier` for the MNIST MLP)

    func testMLPDefaultsToXavierUniformWeightsAndZeroBiases() throws {
        let spec = BackboneSpec(kind: "mlp", inputShape: [1, 28, 28], classes: 10, seed: 3)
        let net = try spec.build() as! MLP
        let linears = net.layers + [net.head as! Linear]
        for l in linears {
            let bound = (6 / Float(l.inputFeatures + l.outputFeatures)).squareRoot()
            let w = l.weight.toArray()
            XCTAssertLessThanOrEqual(w.map(abs).max()!, bound)
            XCTAssertGreaterThan(w.map(abs).max()!, 0.95 * bound, "the draws fill the Xavier range")
            // Uniform on (−a, a): variance a²/3.
            let variance = w.map { Double($0 * $0) }.reduce(0, +) / Double(w.count)
            XCTAssertEqual(variance, Double(bound * bound) / 3, accuracy: 0.1 * Double(bound * bound) / 3)
            XCTAssertEqual(l.bias!.toArray(), [Float](repeating: 0, count: l.outputFeatures))
        }
        // PyTorch's default stays reachable: U(±1/√fan_in) for weights and biases.
        var torchSpec = spec
        torchSpec.initialization = .torch
        let t = try torchSpec.build() as! MLP
        let fc1 = t.layers[0]
        let bound = 1 / Float(784).squareRoot()
        XCTAssertLessThanOrEqual(fc1.weight.toArray().map(abs).max()!, bound)
        XCTAssertGreaterThan(fc1.weight.toArray().map(abs).max()!, 0.95 * bound)
        XCTAssertTrue(fc1.bias!.toArray().contains { $0 != 0 })
        XCTAssertEqual(torchSpec.description, "mlp(784-100-100-10, init torch)")
        // The convolutional backbones keep PyTorch's default, as mammoth's ResNet-18 does.
        XCTAssertEqual(BackboneSpec.defaultInitialization(kind: "resnet18"), .torch)
        var cnn = BackboneSpec(kind: "cnn", inputShape: [1, 28, 28], classes: 10)
        cnn.initialization = .xavier
        XCTAssertThrowsError(try cnn.build()) { XCTAssertTrue("\($0)".contains("only init \"torch\""), "\($0)") }
        // Recipes written before the field existed still decode (as the backbone's default).
        let old = #"{"kind":"mlp","inputShape":[1,8,8],"classes":10,"hidden":[100,100],"nf":64,"seed":1}"#
        let decoded = try JSONDecoder().decode(BackboneSpec.self, from: Data(old.utf8))
        XCTAssertNil(decoded.initialization)
    }
}
