import Foundation

/// The BasicBlock of ResNet-18: conv3×3–BN–ReLU–conv3×3–BN plus a shortcut (1×1 conv + BN when
/// the shape changes), then ReLU.
public final class BasicBlock: Module, @unchecked Sendable {
    public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    public let shortcut: Sequential

    public init(inputChannels: Int, channels: Int, stride: Int, rng: inout RNG) {
        conv1 = Conv2d(inputChannels: inputChannels, outputChannels: channels, kernelSize: 3, stride: stride,
                       padding: 1, bias: false, rng: &rng)
        bn1 = BatchNorm2d(channels: channels)
        conv2 = Conv2d(inputChannels: channels, outputChannels: channels, kernelSize: 3, padding: 1, bias: false, rng: &rng)
        bn2 = BatchNorm2d(channels: channels)
        if stride != 1 || inputChannels != channels {
            shortcut = Sequential([
                Conv2d(inputChannels: inputChannels, outputChannels: channels, kernelSize: 1, stride: stride,
                       bias: false, rng: &rng),
                BatchNorm2d(channels: channels),
            ])
        } else { shortcut = Sequential([]) }
    }
    init(emptyLike b: BasicBlock) {
        conv1 = b.conv1.makeEmpty() as! Conv2d; bn1 = b.bn1.makeEmpty() as! BatchNorm2d
        conv2 = b.conv2.makeEmpty() as! Conv2d; bn2 = b.bn2.makeEmpty() as! BatchNorm2d
        shortcut = b.shortcut.makeEmpty() as! Sequential
    }
    public override var children: [(String, Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2), ("shortcut", shortcut)]
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        if let y = try fusedInference(x) { return y }
        let h = try bn1.forwardReLU(conv1(x))
        let y = try bn2(conv2(h))
        return try addReLU(y, shortcut(x))
    }
    /// The block as three fused convolutions (`conv2dBatchNormInference`) when nothing is
    /// recorded and every batch-norm uses running statistics; nil otherwise. Same values.
    func fusedInference(_ x: Tensor) throws -> Tensor? {
        guard !GradMode.enabled, bn1.mode == .eval, bn2.mode == .eval else { return nil }
        var r = x
        if !shortcut.layers.isEmpty {
            guard shortcut.layers.count == 2, let c = shortcut.layers[0] as? Conv2d,
                  let b = shortcut.layers[1] as? BatchNorm2d, b.mode == .eval else { return nil }
            r = try c.inference(x, batchNorm: b, relu: false)
        }
        let h = try conv1.inference(x, batchNorm: bn1, relu: true)
        return try conv2.inference(h, batchNorm: bn2, residual: r, relu: true)
    }
    public override func makeEmpty() -> Module { BasicBlock(emptyLike: self) }
}

extension Conv2d {
    /// bn(conv(x)) (+ residual) (→ ReLU) through `conv2dBatchNormInference`.
    func inference(_ x: Tensor, batchNorm bn: BatchNorm2d, residual: Tensor? = nil, relu: Bool) throws -> Tensor {
        try conv2dBatchNormInference(x, weight: weight, bias: bias, stride: stride, padding: padding,
                                     bnWeight: bn.weight, bnBias: bn.bias, runningMean: bn.runningMean,
                                     runningVar: bn.runningVar, eps: bn.eps, residual: residual, relu: relu)
    }
}

/// CIFAR ResNet-18 (mammoth): 3×3 stem without max-pool, four stages of two BasicBlocks with
/// widths nf·(1, 2, 4, 8) and strides (1, 2, 2, 2), global average pool, Linear(8·nf, N).
public final class ResNet18: Network, @unchecked Sendable {
    public let nf: Int, inputChannels: Int, classes: Int
    public let conv1: Conv2d, bn1: BatchNorm2d
    public let layer1: Sequential, layer2: Sequential, layer3: Sequential, layer4: Sequential

    public init(nf: Int = 64, classes: Int, inputChannels: Int = 3, rng: inout RNG) {
        self.nf = nf; self.classes = classes; self.inputChannels = inputChannels
        conv1 = Conv2d(inputChannels: inputChannels, outputChannels: nf, kernelSize: 3, padding: 1, bias: false, rng: &rng)
        bn1 = BatchNorm2d(channels: nf)
        var inC = nf
        func stage(_ c: Int, _ stride: Int, _ rng: inout RNG) -> Sequential {
            let b1 = BasicBlock(inputChannels: inC, channels: c, stride: stride, rng: &rng)
            let b2 = BasicBlock(inputChannels: c, channels: c, stride: 1, rng: &rng)
            inC = c
            return Sequential([b1, b2])
        }
        layer1 = stage(nf, 1, &rng)
        layer2 = stage(nf * 2, 2, &rng)
        layer3 = stage(nf * 4, 2, &rng)
        layer4 = stage(nf * 8, 2, &rng)
        super.init(kind: "resnet18", featureDim: nf * 8,
                   head: Linear(inputFeatures: nf * 8, outputFeatures: classes, rng: &rng))
    }
    init(emptyLike r: ResNet18) {
        nf = r.nf; classes = r.classes; inputChannels = r.inputChannels
        conv1 = r.conv1.makeEmpty() as! Conv2d; bn1 = r.bn1.makeEmpty() as! BatchNorm2d
        layer1 = r.layer1.makeEmpty() as! Sequential; layer2 = r.layer2.makeEmpty() as! Sequential
        layer3 = r.layer3.makeEmpty() as! Sequential; layer4 = r.layer4.makeEmpty() as! Sequential
        super.init(kind: "resnet18", featureDim: r.featureDim, head: Identity())
    }
    public override var bodyChildren: [(String, Module)] {
        [("conv1", conv1), ("bn1", bn1), ("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("layer4", layer4)]
    }
    public override func features(_ x: Tensor) throws -> Tensor {
        var h = try !GradMode.enabled && bn1.mode == .eval ? conv1.inference(x, batchNorm: bn1, relu: true) : bn1.forwardReLU(conv1(x))
        h = try layer4(layer3(layer2(layer1(h))))
        return try globalAvgPool(h)
    }
    public override func makeEmptyBody() -> Network { ResNet18(emptyLike: self) }
    public override var summary: String { "ResNet18(nf=\(nf))" }
}

/// LUCIR's cosine classifier: one weight block per task, all blocks side by side, and a
/// learnable scale σ; logits = σ · cos(f, w_c) for every column c.
public final class CosineClassifier: Module, @unchecked Sendable {
    public private(set) var blocks: [Tensor]
    public let sigma: Tensor
    public let featureDim: Int

    /// Blocks of the given sizes, initialized U(−1/√d, 1/√d); σ = 1.
    public init(featureDim: Int, blockSizes: [Int], rng: inout RNG) {
        self.featureDim = featureDim
        blocks = blockSizes.map { n in
            let t = Tensor.zeros([n, featureDim], requiresGrad: true)
            kaimingUniform(t, fanIn: featureDim, rng: &rng)
            return t
        }
        sigma = Tensor.ones([1], requiresGrad: true)
    }
    init(emptyLike c: CosineClassifier) {
        featureDim = c.featureDim
        blocks = c.blocks.map { Tensor.zeros($0.shape, requiresGrad: true) }
        sigma = Tensor.ones([1], requiresGrad: true)
    }
    public var outputCount: Int { blocks.reduce(0) { $0 + $1.shape[0] } }
    public override var localParameters: [(String, Tensor)] {
        blocks.enumerated().map { ("weights.\($0.offset)", $0.element) } + [("sigma", sigma)]
    }
    /// Cosine scores without the scale: [B, N].
    public func cosines(_ f: Tensor) throws -> Tensor {
        let w = try concat(blocks, dim: 0).l2Normalized()
        return try linear(f.l2Normalized(), weight: w, bias: nil)
    }
    public override func forward(_ f: Tensor) throws -> Tensor { try cosines(f) * sigma }
    public override func makeEmpty() -> Module { CosineClassifier(emptyLike: self) }
    public override var summary: String { "CosineClassifier(\(featureDim) → \(blocks.map { String($0.shape[0]) }.joined(separator: "+")))" }
}
