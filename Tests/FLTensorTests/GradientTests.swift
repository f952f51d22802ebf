import XCTest
@testable import FLTensor

/// A finite-difference gradient test for every differentiable op.
final class GradientTests: XCTestCase {
    let gc = GradChecker()

    func testAddSubMulDivSameShape() throws {
        let a = randn([3, 4], seed: 1), b = randn([3, 4], seed: 2)
        let bPos = affine(randAway([3, 4], seed: 3, gap: 0.5).abs(), scale: 1, shift: 0.5).detach().requiringGrad()
        try gc.check([a, b]) { try $0[0] + $0[1] }
        try gc.check([a, b]) { try $0[0] - $0[1] }
        try gc.check([a, b]) { try $0[0] * $0[1] }
        try gc.check([a, bPos]) { try $0[0] / $0[1] }
    }

    func testBroadcastingBinaryOps() throws {
        let a = randn([2, 3, 4], seed: 4)
        let row = randn([4], seed: 5)
        let col = randn([2, 1, 4], seed: 6)
        let chan = randn([1, 3, 1], seed: 7)
        try gc.check([a, row]) { try $0[0] + $0[1] }
        try gc.check([a, col]) { try $0[0] * $0[1] }
        try gc.check([chan, a]) { try $0[0] - $0[1] }
        let pos = (randAway([1, 3, 1], seed: 8, gap: 0.5).abs() + 0.5).detach().requiringGrad()
        try gc.check([a, pos]) { try $0[0] / $0[1] }
        let s = randn([], seed: 9)
        try gc.check([a, s]) { try $0[0] * $0[1] }
    }

    func testScalarArithmetic() throws {
        let a = randAway([5], seed: 10, gap: 0.5)
        try gc.check([a]) { 3 * $0[0] + 1 }
        try gc.check([a]) { 2 - $0[0] / 4 }
        try gc.check([a]) { 1.5 / $0[0] }
        try gc.check([a]) { -$0[0] }
    }

    func testUnaryOps() throws {
        let a = randAway([2, 5], seed: 11)
        let pos = (a.abs() + 0.2).detach().requiringGrad()
        try gc.check([a]) { $0[0].relu() }
        try gc.check([a]) { $0[0].sigmoid() }
        try gc.check([a]) { $0[0].tanh() }
        try gc.check([a]) { $0[0].exp() }
        try gc.check([pos]) { $0[0].log() }
        try gc.check([pos]) { $0[0].sqrt() }
        try gc.check([a]) { $0[0].abs() }
        try gc.check([a]) { $0[0].square() }
        try gc.check([pos]) { $0[0].pow(1.7) }
        try gc.check([a]) { $0[0].clamp(min: -0.05, max: 0.05) }
    }

    func testReductions() throws {
        let a = randn([2, 3, 4], seed: 12)
        try gc.check([a]) { $0[0].sum() }
        try gc.check([a]) { $0[0].mean() }
        try gc.check([a]) { try $0[0].sum(dim: 1) }
        try gc.check([a]) { try $0[0].sum(dims: [0, 2], keepDims: true) }
        try gc.check([a]) { try $0[0].mean(dim: -1) }
        let small = randn([3, 1], seed: 13)
        try gc.check([small]) { try $0[0].expand(to: [2, 3, 4]) }
    }

    func testMaxMinAlongDimension() throws {
        let a = randDistinct([3, 5], seed: 14)
        try gc.check([a]) { try $0[0].max(dim: 1).values }
        try gc.check([a]) { try $0[0].max(dim: 0, keepDims: true).values }
        try gc.check([a]) { try $0[0].min(dim: 1).values }
    }

    func testShapeOps() throws {
        let a = randn([2, 3, 4], seed: 15)
        try gc.check([a]) { try $0[0].reshaped([6, 4]) }
        try gc.check([a]) { try $0[0].permuted([2, 0, 1]) }
        try gc.check([randn([3, 5], seed: 16)]) { try $0[0].transposed() }
        try gc.check([a]) { try $0[0].slice(dim: 1, start: 1, end: 3) }
        try gc.check([a]) { try $0[0].slice(dim: 2, start: 0, end: 4, step: 2) }
        try gc.check([a]) { try $0[0].indexSelect(dim: 0, [1, 1, 0]) }
        try gc.check([a]) { try $0[0].indexSelect(dim: 2, [3, 0]) }
        let m = randn([3, 4], seed: 17)
        try gc.check([m]) { try $0[0].gatherColumns([2, 0, 2]) }
        let b = randn([2, 2, 4], seed: 18)
        try gc.check([a, b]) { try concat([$0[0], $0[1]], dim: 1) }
        try gc.check([m, m.detach().clone().requiringGrad()]) { try stack([$0[0], $0[1]]) }
    }

    func testMaskingAndTopK() throws {
        let a = randDistinct([3, 6], seed: 19)
        let mask = try Tensor(shape: [1, 6], values: [0, 1, 0, 0, 1, 0])
        try gc.check([a]) { try $0[0].maskedFill(mask, -1e4) }
        try gc.check([a]) { try $0[0].topk(2).values }
    }

    func testMatmulAndLinear() throws {
        let a = randn([3, 4], seed: 20), b = randn([4, 5], seed: 21)
        try gc.check([a, b]) { try matmul($0[0], $0[1]) }
        let x = randn([4, 6], seed: 22), w = randn([3, 6], seed: 23), bias = randn([3], seed: 24)
        try gc.check([x, w, bias]) { try linear($0[0], weight: $0[1], bias: $0[2]) }
        try gc.check([x, w]) { try linear($0[0], weight: $0[1], bias: nil) }
        // The fused ReLU: biases of ±3 keep every pre-activation (|x·wᵀ| < 1.5 here) off the kink.
        let ws = randn([3, 6], seed: 25, scale: 0.1)
        let far = try Tensor(shape: [3], values: [3, -3, 3]).requiringGrad()
        try gc.check([x, ws, far]) { try linearReLU($0[0], weight: $0[1], bias: $0[2]) }
        // Without a bias: input column 0 is 3 and weight column 0 is ±1, so z ≈ ±3 + O(0.1).
        let xw = randn([4, 6], seed: 26, scale: 0.1), wn = randn([3, 6], seed: 27, scale: 0.1)
        for i in 0..<4 { xw.data[i * 6] = 3 }
        for (j, v) in [Float(1), -1, 1].enumerated() { wn.data[j * 6] = v }
        try gc.check([xw, wn]) { try linearReLU($0[0], weight: $0[1], bias: nil) }
    }

    func testConv2d() throws {
        let cases: [(Int, Int, Int, Int, Int, Int)] = [  // cin, cout, hw, k, stride, pad
            (2, 3, 5, 3, 1, 1), (2, 2, 6, 3, 2, 1), (3, 2, 5, 1, 1, 0), (2, 3, 6, 1, 2, 0), (1, 2, 5, 3, 1, 0),
        ]
        for (i, c) in cases.enumerated() {
            let x = randn([2, c.0, c.2, c.2], seed: 30 + UInt64(i))
            let w = randn([c.1, c.0, c.3, c.3], seed: 40 + UInt64(i), scale: 0.5)
            let b = randn([c.1], seed: 50 + UInt64(i))
            try gc.check([x, w, b]) { try conv2d($0[0], weight: $0[1], bias: $0[2], stride: c.4, padding: c.5) }
        }
    }

    func testPooling() throws {
        let x = randDistinct([2, 2, 4, 4], seed: 60, spacing: 0.05)
        try gc.check([x]) { try maxPool2d($0[0], kernel: 2) }
        try gc.check([x]) { try avgPool2d($0[0], kernel: 2) }
        try gc.check([x]) { try globalAvgPool($0[0]) }
    }

    func testBatchNormAllModes() throws {
        let x = randn([3, 2, 2, 2], seed: 61)
        let gamma = randn([2], seed: 62), beta = randn([2], seed: 63)
        for mode in [BatchNormMode.train, .eval, .batchStatsFrozen] {
            try gc.check([x, gamma, beta]) {
                let rm = try Tensor(shape: [2], values: [0.1, -0.2]), rv = try Tensor(shape: [2], values: [1.5, 0.7])
                return try batchNorm($0[0], weight: $0[1], bias: $0[2], runningMean: rm, runningVar: rv, mode: mode)
            }
        }
    }

    func testFusedBatchNormReLUAndAddReLU() throws {
        let x = randAway([3, 2, 2, 2], seed: 64, gap: 0.3)
        let gamma = randn([2], seed: 65), beta = (randn([2], seed: 66, grad: false) * 0.1).detach().requiringGrad()
        for mode in [BatchNormMode.train, .eval, .batchStatsFrozen] {
            try gc.check([x, gamma, beta]) {
                let rm = try Tensor(shape: [2], values: [0.1, -0.2]), rv = try Tensor(shape: [2], values: [1.5, 0.7])
                return try batchNormReLU($0[0], weight: $0[1], bias: $0[2], runningMean: rm, runningVar: rv, mode: mode)
            }
            // The fused op equals the two ops in sequence.
            let rm = Tensor.zeros([2]), rv = Tensor.ones([2])
            let fused = try batchNormReLU(x, weight: gamma, bias: beta, runningMean: rm.clone(), runningVar: rv.clone(), mode: mode)
            let plain = try batchNorm(x, weight: gamma, bias: beta, runningMean: rm.clone(), runningVar: rv.clone(), mode: mode).relu()
            XCTAssertEqual(fused.toArray(), plain.toArray())
        }
        let a = randAway([2, 3, 4], seed: 67), b = randAway([2, 3, 4], seed: 68)
        try gc.check([a, b]) { try addReLU($0[0], $0[1]) }
        XCTAssertEqual(try addReLU(a, b).toArray(), try (a + b).relu().toArray())
    }

    func testSoftmaxFamilyAndLosses() throws {
        let z = randn([3, 5], seed: 70)
        try gc.check([z]) { try $0[0].logSoftmax() }
        try gc.check([z]) { try $0[0].softmax() }
        try gc.check([z]) { try crossEntropy($0[0], [4, 0, 2]) }
        var rng = RNG(seed: 71)
        let q = Tensor.uniform([3, 5], rng: &rng).requiringGrad()
        try gc.check([z, q]) { try bceWithLogits($0[0], $0[1]) }
        let y = randn([3, 5], seed: 72)
        try gc.check([z, y]) { try mseLoss($0[0], $0[1]) }
        let p = try randn([3, 5], seed: 73, grad: false).softmax().detach().requiringGrad()
        try gc.check([z, p]) { try klDivergence(logQ: $0[0].logSoftmax(), p: $0[1]) }
    }

    func testNormalizeAndCosine() throws {
        let a = randn([3, 4], seed: 80), b = randn([3, 4], seed: 81)
        try gc.check([a]) { try $0[0].l2Normalized() }
        try gc.check([a, b]) { try cosineSimilarity($0[0], $0[1]) }
    }

    func testCosineClassifier() throws {
        var rng = RNG(seed: 82)
        let head = CosineClassifier(featureDim: 4, blockSizes: [2, 3], rng: &rng)
        head.sigma.data[0] = 2.5
        let f = randn([3, 4], seed: 83)
        try gc.check([f] + head.parameters()) { _ in try head(f) }
    }

    /// The whole ResNet-18 (nf = 4) in training mode: our Float32 analytic gradients against
    /// Float64 central differences of an independent reference forward (ResNetReference).
    func testWholeResNet18WidthFour() throws {
        var rng = RNG(seed: 84)
        let net = ResNet18(nf: 4, classes: 3, rng: &rng)
        let x = randn([3, 3, 16, 16], seed: 85, grad: true)
        let labels = [0, 2, 1]
        let loss = try crossEntropy(net(x), labels)
        var ref = ResNetReference(net)
        let xs = x.toArray().map(Double.init)
        XCTAssertEqual(Double(loss.data[0]), ref.loss(xs, shape: x.shape, labels: labels), accuracy: 1e-4)
        try loss.backward()
        let eps = 1e-6
        func compare(_ analytic: Float, _ numeric: Double, _ what: String) {
            XCTAssertEqual(Double(analytic), numeric, accuracy: 1e-3 + 1e-3 * abs(numeric), what)
        }
        // The input.
        for i in stride(from: 0, to: x.count, by: 97) {
            var p = xs, m = xs
            p[i] += eps; m[i] -= eps
            let numeric = (ref.loss(p, shape: x.shape, labels: labels) - ref.loss(m, shape: x.shape, labels: labels)) / (2 * eps)
            compare(x.grad!.data[i], numeric, "input element \(i)")
        }
        // Parameters across depth: stem, batch-norm, shortcut, deep conv, classifier.
        let named = Dictionary(uniqueKeysWithValues: net.namedParameters())
        for name in ["conv1.weight", "bn1.weight", "layer1.0.conv2.weight", "layer2.0.shortcut.0.weight",
                     "layer2.0.shortcut.1.bias", "layer3.1.conv2.weight", "layer4.0.bn1.bias", "layer4.1.conv1.weight",
                     "classifier.weight", "classifier.bias"] {
            let t = named[name]!
            let step = max(1, t.count / 12)
            for i in stride(from: 0, to: t.count, by: step) {
                let orig = ref.weights[name]![i]
                ref.weights[name]![i] = orig + eps
                let lp = ref.loss(xs, shape: x.shape, labels: labels)
                ref.weights[name]![i] = orig - eps
                let lm = ref.loss(xs, shape: x.shape, labels: labels)
                ref.weights[name]![i] = orig
                compare(t.grad!.data[i], (lp - lm) / (2 * eps), "\(name)[\(i)]")
            }
        }
    }
}
