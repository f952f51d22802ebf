import XCTest
import Foundation
@testable import FLTensor

final class ModuleTests: XCTestCase {
    func testParameterCountsOfBackbones() {
        var rng = RNG(seed: 1)
        XCTAssertEqual(ResNet18(nf: 64, classes: 10, rng: &rng).parameterCount, 11_173_962)
        XCTAssertEqual(SmallCNN(channels: 3, height: 32, width: 32, classes: 10, rng: &rng).parameterCount, 2_159_114)
        XCTAssertEqual(MLP(inputs: 784, hidden: [100, 100], classes: 10, rng: &rng).parameterCount, 89_610)
        let nf20 = ResNet18(nf: 20, classes: 10, rng: &rng).parameterCount
        XCTAssertTrue((1_050_000...1_120_000).contains(nf20), "\(nf20)")
    }

    func testStateDictNamesFollowPyTorch() {
        var rng = RNG(seed: 1)
        let names = ResNet18(nf: 4, classes: 10, rng: &rng).stateDict().map(\.0)
        for n in ["conv1.weight", "bn1.running_mean", "layer1.0.conv1.weight", "layer2.0.shortcut.0.weight",
                  "layer2.0.shortcut.1.running_var", "layer4.1.bn2.bias", "classifier.weight", "classifier.bias"] {
            XCTAssertTrue(names.contains(n), n)
        }
        XCTAssertFalse(names.contains("layer1.0.shortcut.0.weight"))
    }

    func testInitializationBoundsFollowPyTorchDefaults() {
        var rng = RNG(seed: 2)
        let l = Linear(inputFeatures: 100, outputFeatures: 50, rng: &rng)
        let bound: Float = 0.1
        XCTAssertLessThanOrEqual(l.weight.maxValue(), bound)
        XCTAssertGreaterThanOrEqual(l.weight.minValue(), -bound)
        XCTAssertGreaterThan(l.weight.maxValue(), 0.09)
        let bn = BatchNorm2d(channels: 3)
        XCTAssertEqual(bn.weight.toArray(), [1, 1, 1]); XCTAssertEqual(bn.bias.toArray(), [0, 0, 0])
        XCTAssertEqual(bn.runningVar.toArray(), [1, 1, 1])
        XCTAssertFalse(bn.runningMean.requiresGrad)
    }

    func testDeepCopyIsIndependentAndEqual() throws {
        var rng = RNG(seed: 3)
        let net = ResNet18(nf: 4, classes: 5, rng: &rng)
        net.conv1.weight.requiresGrad = false
        net.eval()
        let copy = net.copy() as! ResNet18
        for ((n1, a), (n2, b)) in zip(net.stateDict(), copy.stateDict()) {
            XCTAssertEqual(n1, n2)
            XCTAssertEqual(a.toArray(), b.toArray())
            XCTAssertFalse(a.storage === b.storage, n1)
        }
        XCTAssertFalse(copy.isTraining)
        XCTAssertFalse(copy.conv1.weight.requiresGrad)
        let x = randn([2, 3, 8, 8], seed: 4, grad: false)
        XCTAssertEqual(try net(x).toArray(), try copy(x).toArray())
        copy.classifier_weight.data[0] += 1
        XCTAssertNotEqual(copy.classifier_weight.data[0], (net.head as! Linear).weight.data[0])
    }

    func testTrainEvalAndFreeze() throws {
        var rng = RNG(seed: 5)
        let net = SmallCNN(channels: 1, height: 8, width: 8, classes: 3, rng: &rng)
        net.eval()
        XCTAssertTrue(net.modules().allSatisfy { !$0.isTraining })
        net.train()
        XCTAssertTrue(net.modules().allSatisfy { $0.isTraining })
        net.freeze()
        XCTAssertTrue(net.trainableParameters().isEmpty)
        net.unfreeze()
        XCTAssertEqual(net.trainableParameters().count, net.parameters().count)
    }

    func testLoadStateDictChecksNamesAndShapes() throws {
        var rng = RNG(seed: 6)
        let a = MLP(inputs: 4, hidden: [3], classes: 2, rng: &rng)
        var d = Dictionary(uniqueKeysWithValues: a.stateDict())
        d["fc1.weight"] = Tensor.zeros([2, 2])
        XCTAssertThrowsError(try a.loadStateDict(d)) { XCTAssertTrue("\($0)".contains("fc1.weight"), "\($0)") }
        d.removeValue(forKey: "fc1.weight")
        XCTAssertThrowsError(try a.loadStateDict(d)) { XCTAssertTrue("\($0)".contains("missing fc1.weight"), "\($0)") }
    }

    func testSGDMatchesHandComputedUpdates() {
        // θ = 1, g = 0.5, lr 0.1, momentum 0.9, wd 0.01.
        let p = Tensor([1]).requiringGrad()
        let opt = SGD([p], lr: 0.1, momentum: 0.9, weightDecay: 0.01)
        p.grad = Tensor([0.5])
        opt.step()                         // d = 0.51, b = 0.51, θ = 1 − 0.051
        XCTAssertEqual(p.data[0], 0.949, accuracy: 1e-6)
        p.grad = Tensor([0.5])
        opt.step()                         // d = 0.5 + 0.00949, b = 0.9·0.51 + d, θ −= 0.1·b
        let d2: Float = 0.5 + 0.01 * 0.949, b2: Float = 0.9 * 0.51 + d2
        XCTAssertEqual(p.data[0], 0.949 - 0.1 * b2, accuracy: 1e-6)
        // Nesterov.
        let q = Tensor([1]).requiringGrad()
        let nes = SGD([q], lr: 0.1, momentum: 0.9, nesterov: true)
        q.grad = Tensor([1]); nes.step()   // b = 1, step d + 0.9·b = 1.9
        XCTAssertEqual(q.data[0], 1 - 0.19, accuracy: 1e-6)
        // Frozen parameters are skipped; per-group rates apply.
        let r = Tensor([1]), s = Tensor([1]).requiringGrad()
        r.grad = Tensor([1]); s.grad = Tensor([1])
        SGD(groups: [ParameterGroup([r]), ParameterGroup([s], lrScale: 0.5)], lr: 0.2).step()
        XCTAssertEqual(r.data[0], 1); XCTAssertEqual(s.data[0], 0.9, accuracy: 1e-6)
    }

    func testSGDSplitOverThreadsMatchesPlainLoop() {
        // A parameter large enough for the update to be split over the threads must get
        // exactly the numbers of the plain per-element formula, in every mode, over steps.
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 2
        var rng = RNG(seed: 7)
        let n = 100 * 784 + 13
        let start = Tensor.uniform([n], low: -1, high: 1, rng: &rng)
        let grads = (0..<3).map { _ in Tensor.uniform([n], low: -1, high: 1, rng: &rng) }
        for (mu, wd, nes) in [(Float(0), Float(0), false), (0, 0.01, false), (0.9, 0.01, false), (0.9, 0, true)] {
            let p = start.clone().requiringGrad()
            let opt = SGD([p], lr: 0.1, momentum: mu, weightDecay: wd, nesterov: nes)
            var theta = (0..<n).map { start.data[$0] }
            var buf = [Float](repeating: 0, count: n)
            for (k, g) in grads.enumerated() {
                p.grad = g
                opt.step()
                for i in 0..<n {
                    var d = g.data[i] + wd * theta[i]
                    if mu != 0 {
                        buf[i] = k == 0 ? d : mu * buf[i] + d
                        d = nes ? d + mu * buf[i] : buf[i]
                    }
                    theta[i] -= 0.1 * d
                }
            }
            let mismatches = (0..<n).filter { p.data[$0] != theta[$0] }.count
            XCTAssertEqual(mismatches, 0, "momentum \(mu), wd \(wd), nesterov \(nes)")
        }
    }

    func testMultiStepLR() {
        var s = MultiStepLR(baseLR: 1, milestones: [2, 4], gamma: 0.1)
        var rates = [s.lr]
        for _ in 0..<5 { rates.append(s.step()) }
        let expected: [Float] = [1, 1, 0.1, 0.1, 0.01, 0.01]
        for (r, e) in zip(rates, expected) { XCTAssertEqual(r, e, accuracy: 1e-7) }
    }

    func testMLPLearnsASeparableProblem() throws {
        // Two Gaussian blobs per class in 2-D, 4 classes: an MLP should reach > 95 %.
        var rng = RNG(seed: 9)
        let n = 400
        let x = Tensor.empty([n, 2])
        var y = [Int]()
        let centers: [(Float, Float)] = [(2, 2), (-2, 2), (-2, -2), (2, -2)]
        for i in 0..<n {
            let c = i % 4
            x.data[2 * i] = centers[c].0 + 0.5 * rng.normal()
            x.data[2 * i + 1] = centers[c].1 + 0.5 * rng.normal()
            y.append(c)
        }
        let net = MLP(inputs: 2, hidden: [16], classes: 4, rng: &rng)
        let opt = SGD(net.parameters(), lr: 0.1, momentum: 0.9)
        for _ in 0..<100 {
            opt.zeroGrad()
            let loss = try crossEntropy(net(x), y)
            try loss.backward()
            opt.step()
        }
        let pred = try noGrad { try net(x).argmax() }
        let acc = Double(zip(pred, y).filter { $0 == $1 }.count) / Double(n)
        XCTAssertGreaterThan(acc, 0.95)
    }
}

extension ResNet18 {
    var classifier_weight: Tensor { (head as! Linear).weight }
}
