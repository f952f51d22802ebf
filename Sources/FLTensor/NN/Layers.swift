import Foundation

/// y = x·Wᵀ + b.
public final class Linear: Module, @unchecked Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let inputFeatures: Int, outputFeatures: Int

    /// A linear layer drawn from `rng`: PyTorch's default initialization, or mammoth's Xavier
    /// (uniform weights, zero biases).
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, initialization: Initialization = .torch, rng: inout RNG) {
        self.inputFeatures = inputFeatures; self.outputFeatures = outputFeatures
        weight = parameter([outputFeatures, inputFeatures])
        self.bias = bias ? parameter([outputFeatures]) : nil
        super.init()
        switch initialization {
        case .torch:
            kaimingUniform(weight, fanIn: inputFeatures, rng: &rng)
            if let b = self.bias { kaimingUniform(b, fanIn: inputFeatures, rng: &rng) }
        case .xavier:
            xavierUniform(weight, fanIn: inputFeatures, fanOut: outputFeatures, rng: &rng)   // biases stay 0
        }
    }
    init(empty inputFeatures: Int, _ outputFeatures: Int, bias: Bool) {
        self.inputFeatures = inputFeatures; self.outputFeatures = outputFeatures
        weight = parameter([outputFeatures, inputFeatures])
        self.bias = bias ? parameter([outputFeatures]) : nil
    }
    public override var localParameters: [(String, Tensor)] {
        bias.map { [("weight", weight), ("bias", $0)] } ?? [("weight", weight)]
    }
    public override func forward(_ x: Tensor) throws -> Tensor { try linear(x, weight: weight, bias: bias) }
    public override func makeEmpty() -> Module { Linear(empty: inputFeatures, outputFeatures, bias: bias != nil) }
    public override var summary: String { "Linear(\(inputFeatures) → \(outputFeatures)\(bias == nil ? ", no bias" : ""))" }
}

/// 2-D convolution layer.
public final class Conv2d: Module, @unchecked Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int, padding: Int

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, rng: inout RNG) {
        self.inputChannels = inputChannels; self.outputChannels = outputChannels
        self.kernelSize = kernelSize; self.stride = stride; self.padding = padding
        weight = parameter([outputChannels, inputChannels, kernelSize, kernelSize])
        self.bias = bias ? parameter([outputChannels]) : nil
        super.init()
        let fanIn = inputChannels * kernelSize * kernelSize
        kaimingUniform(weight, fanIn: fanIn, rng: &rng)
        if let b = self.bias { kaimingUniform(b, fanIn: fanIn, rng: &rng) }
    }
    init(empty c: Conv2d) {
        inputChannels = c.inputChannels; outputChannels = c.outputChannels
        kernelSize = c.kernelSize; stride = c.stride; padding = c.padding
        weight = parameter(c.weight.shape)
        bias = c.bias.map { parameter($0.shape) }
    }
    public override var localParameters: [(String, Tensor)] {
        bias.map { [("weight", weight), ("bias", $0)] } ?? [("weight", weight)]
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        try conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }
    public override func makeEmpty() -> Module { Conv2d(empty: self) }
    public override var summary: String {
        "Conv2d(\(inputChannels) → \(outputChannels), \(kernelSize)×\(kernelSize), stride \(stride), pad \(padding)\(bias == nil ? ", no bias" : ""))"
    }
}

/// Batch normalization over channels with learnable scale/shift and running statistics
/// (buffers). PyTorch defaults: γ = 1, β = 0, momentum 0.1, eps 1e-5.
public final class BatchNorm2d: Module, @unchecked Sendable {
    public let weight: Tensor, bias: Tensor
    public let runningMean: Tensor, runningVar: Tensor
    public let channels: Int
    public var momentum: Float = 0.1
    public var eps: Float = 1e-5
    /// In training mode, normalize with batch statistics but leave the running ones alone.
    public var freezeStatistics = false

    public init(channels: Int) {
        self.channels = channels
        weight = Tensor.ones([channels], requiresGrad: true)
        bias = Tensor.zeros([channels], requiresGrad: true)
        runningMean = Tensor.zeros([channels])
        runningVar = Tensor.ones([channels])
    }
    public override var localParameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }
    public override var localBuffers: [(String, Tensor)] { [("running_mean", runningMean), ("running_var", runningVar)] }
    public var mode: BatchNormMode { isTraining ? (freezeStatistics ? .batchStatsFrozen : .train) : .eval }
    public override func forward(_ x: Tensor) throws -> Tensor {
        try batchNorm(x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                      mode: mode, momentum: momentum, eps: eps)
    }
    /// relu(bn(x)) in one fused pass.
    public func forwardReLU(_ x: Tensor) throws -> Tensor {
        try batchNormReLU(x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                          mode: mode, momentum: momentum, eps: eps)
    }
    public override func makeEmpty() -> Module {
        let m = BatchNorm2d(channels: channels); m.momentum = momentum; m.eps = eps; return m
    }
    public override func copyFlags(from other: Module) {
        if let o = other as? BatchNorm2d { freezeStatistics = o.freezeStatistics }
    }
    public override var summary: String { "BatchNorm2d(\(channels))" }
}

extension Module {
    /// Makes every batch-norm below use batch statistics without updating running ones.
    public func setBatchNormStatisticsFrozen(_ on: Bool) {
        for case let bn as BatchNorm2d in modules() { bn.freezeStatistics = on }
    }
}

/// max(x, 0).
public final class ReLU: Module, @unchecked Sendable {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { x.relu() }
    public override func makeEmpty() -> Module { ReLU() }
    public override var summary: String { "ReLU" }
}

/// [N, …] → [N, rest].
public final class Flatten: Module, @unchecked Sendable {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) throws -> Tensor { x.flattened() }
    public override func makeEmpty() -> Module { Flatten() }
    public override var summary: String { "Flatten" }
}

/// Square max pooling.
public final class MaxPool2d: Module, @unchecked Sendable {
    public let kernelSize: Int, stride: Int
    public init(kernelSize: Int, stride: Int? = nil) { self.kernelSize = kernelSize; self.stride = stride ?? kernelSize }
    public override func forward(_ x: Tensor) throws -> Tensor { try maxPool2d(x, kernel: kernelSize, stride: stride) }
    public override func makeEmpty() -> Module { MaxPool2d(kernelSize: kernelSize, stride: stride) }
    public override var summary: String { "MaxPool2d(\(kernelSize))" }
}

/// The identity.
public final class Identity: Module, @unchecked Sendable {
    public override init() { super.init() }
    public override func makeEmpty() -> Module { Identity() }
    public override var summary: String { "Identity" }
}

/// Modules applied in order; children are named "0", "1", ….
public final class Sequential: Module, @unchecked Sendable {
    public private(set) var layers: [Module]
    public init(_ layers: [Module]) { self.layers = layers }
    public override var children: [(String, Module)] { layers.enumerated().map { (String($0.offset), $0.element) } }
    public override func forward(_ x: Tensor) throws -> Tensor {
        var h = x
        for l in layers { h = try l(h) }
        return h
    }
    public override func makeEmpty() -> Module { Sequential(layers.map { $0.makeEmpty() }) }
    public override var summary: String { "Sequential(\(layers.count) layers)" }
}
