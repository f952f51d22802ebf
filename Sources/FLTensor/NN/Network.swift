import Foundation

/// A backbone with a separate classifier: `features(x)` → [B, featureDim], `head` → logits.
/// Strategies read features and logits apart (LUCIR, iCaRL) and may replace the head.
open class Network: Module, @unchecked Sendable {
    /// The classifier on top of the features.
    public var head: Module
    /// Width of `features(x)`.
    public let featureDim: Int
    /// What the backbone is, for printing ("mlp", "resnet18").
    public let kind: String

    public init(kind: String, featureDim: Int, head: Module) {
        self.kind = kind; self.featureDim = featureDim; self.head = head
    }

    /// Feature extractor body (override).
    open func features(_ x: Tensor) throws -> Tensor { fatalError("\(type(of: self)) must override features(_:)") }

    /// The body's submodules (override); the head is appended as "classifier".
    open var bodyChildren: [(String, Module)] { [] }

    /// A structurally identical body with the same kind of head (override `makeEmptyBody`).
    open func makeEmptyBody() -> Network { fatalError("\(type(of: self)) must override makeEmptyBody()") }

    public override var children: [(String, Module)] { bodyChildren + [("classifier", head)] }
    public override func forward(_ x: Tensor) throws -> Tensor {
        if let parts = try batchParallel(x, { [try self.head(self.features($0))] }) { return parts[0] }
        return try head(features(x))
    }
    public override func makeEmpty() -> Module {
        let n = makeEmptyBody()
        n.head = head.makeEmpty()
        return n
    }

    /// Logits and features of one forward pass.
    public func forwardWithFeatures(_ x: Tensor) throws -> (logits: Tensor, features: Tensor) {
        if let parts = try batchParallel(x, { s in let f = try self.features(s); return [try self.head(f), f] }) {
            return (parts[0], parts[1])
        }
        let f = try features(x)
        return (try head(f), f)
    }

    /// Features of an inference pass (no gradient recorded, every module in eval mode), with
    /// the batch split over the threads like `forward`; otherwise the same as `features`.
    public func inferFeatures(_ x: Tensor) throws -> Tensor {
        if let parts = try batchParallel(x, { [try self.features($0)] }) { return parts[0] }
        return try features(x)
    }

    /// Whether inference passes split the batch over the threads (see `batchParallel`). The MLP
    /// opts out: its eval step is three GEMMs in ~0.2 ms, where slicing and joining cost more
    /// than they save (eval 0.72× measured at batch 128).
    open var batchParallelInference: Bool { true }

    /// Smallest batch slice worth a thread of its own in an inference pass.
    nonisolated(unsafe) public static var minimumSlice = 4

    /// Most slices an inference pass cuts its batch into, whatever the thread count.
    nonisolated(unsafe) public static var maximumSlices = 2

    /// Inference passes are data-parallel: every image is independent once no module uses batch
    /// statistics, so each thread runs the whole network on its own contiguous slice of the batch
    /// (its kernels kept on it) and the outputs are joined. Splitting every layer's loops over
    /// the threads instead hands each activation from core to core at every layer; on this VM
    /// class that cost up to a third of the eval throughput whenever the host placed the two
    /// vCPUs far apart, while whole-network slices keep each thread in its own caches.
    ///
    /// Returns nil (the caller runs the plain pass) while gradients are recorded, any module
    /// is in training mode, or the batch is too small to split. The slices depend only on the
    /// batch size (`maximumSlices` slices of at least `minimumSlice` images), never on the
    /// thread count: a slice's GEMMs have its shape, and OpenBLAS's last bit depends on the
    /// shape, so slicing by threads gave other numbers on 1 thread than on 2. One thread runs
    /// the slices in turn; more threads than slices idle during an inference pass.
    func batchParallel(_ x: Tensor, _ body: (Tensor) throws -> [Tensor]) throws -> [Tensor]? {
        guard batchParallelInference, !GradMode.enabled, x.rank >= 2, !Parallel.isSerialHere else { return nil }
        let batch = x.shape[0]
        let slices = min(Network.maximumSlices, batch / Network.minimumSlice)
        guard slices > 1, !modules().contains(where: { $0.isTraining }) else { return nil }
        let inputs = (0..<slices).map { i in sliceCopy(x, dim: 0, start: batch * i / slices, length: batch * (i + 1) / slices - batch * i / slices) }
        // One outcome per slice; the first failing slice's error (by index) is rethrown.
        var results = [Result<[Tensor], Error>?](repeating: nil, count: slices)
        results.withUnsafeMutableBufferPointer { out in
            let out = UncheckedSendable(out)
            Parallel.forEach(slices) { i in
                out.value[i] = Result { try Parallel.serially { try body(inputs[i]) } }
            }
        }
        let parts = try results.map { try $0!.get() }
        return try (0..<parts[0].count).map { k in try concat(parts.map { $0[k] }, dim: 0) }
    }

    /// Number of output columns of a linear or cosine head.
    public var outputCount: Int {
        if let l = head as? Linear { return l.outputFeatures }
        if let c = head as? CosineClassifier { return c.outputCount }
        return 0
    }
}

/// The MLP of mammoth's MNIST experiments: Flatten → [Linear → ReLU]* → Linear.
/// Initialized as mammoth's MNIST MLP is (`reset_parameters` → `xavier`: Xavier-uniform
/// weights, zero biases) unless `initialization` says otherwise.
public final class MLP: Network, @unchecked Sendable {
    public let inputs: Int, hidden: [Int], classes: Int
    public let layers: [Linear]

    public init(inputs: Int, hidden: [Int] = [100, 100], classes: Int, initialization: Initialization = .xavier, rng: inout RNG) {
        self.inputs = inputs; self.hidden = hidden; self.classes = classes
        var ls: [Linear] = []
        var width = inputs
        for h in hidden { ls.append(Linear(inputFeatures: width, outputFeatures: h, initialization: initialization, rng: &rng)); width = h }
        layers = ls
        super.init(kind: "mlp", featureDim: width,
                   head: Linear(inputFeatures: width, outputFeatures: classes, initialization: initialization, rng: &rng))
    }
    init(emptyLike m: MLP) {
        inputs = m.inputs; hidden = m.hidden; classes = m.classes
        layers = m.layers.map { $0.makeEmpty() as! Linear }
        super.init(kind: "mlp", featureDim: m.featureDim, head: Identity())
    }
    public override var bodyChildren: [(String, Module)] { layers.enumerated().map { ("fc\($0.offset + 1)", $0.element) } }
    public override func features(_ x: Tensor) throws -> Tensor {
        var h = x.rank == 2 ? x : x.flattened()
        for l in layers { h = try linearReLU(h, weight: l.weight, bias: l.bias) }   // = l(h).relu(), fused
        return h
    }
    public override func makeEmptyBody() -> Network { MLP(emptyLike: self) }
    public override var batchParallelInference: Bool { false }
    public override var summary: String { "MLP(\(([inputs] + hidden + [classes]).map(String.init).joined(separator: "-")))" }
}

/// The small teaching CNN: conv3×3(C→32)–ReLU–conv3×3(32→64)–ReLU–maxpool2–conv3×3(64→64)–
/// ReLU–maxpool2–flatten–Linear(64·(H/4)·(W/4)→512)–ReLU–Linear(512→N).
public final class SmallCNN: Network, @unchecked Sendable {
    public let conv1: Conv2d, conv2: Conv2d, conv3: Conv2d, fc1: Linear
    public let inputShape: [Int]

    public init(channels: Int, height: Int, width: Int, classes: Int, rng: inout RNG) {
        inputShape = [channels, height, width]
        conv1 = Conv2d(inputChannels: channels, outputChannels: 32, kernelSize: 3, padding: 1, rng: &rng)
        conv2 = Conv2d(inputChannels: 32, outputChannels: 64, kernelSize: 3, padding: 1, rng: &rng)
        conv3 = Conv2d(inputChannels: 64, outputChannels: 64, kernelSize: 3, padding: 1, rng: &rng)
        fc1 = Linear(inputFeatures: 64 * (height / 4) * (width / 4), outputFeatures: 512, rng: &rng)
        super.init(kind: "cnn", featureDim: 512, head: Linear(inputFeatures: 512, outputFeatures: classes, rng: &rng))
    }
    init(emptyLike m: SmallCNN) {
        inputShape = m.inputShape
        conv1 = m.conv1.makeEmpty() as! Conv2d; conv2 = m.conv2.makeEmpty() as! Conv2d
        conv3 = m.conv3.makeEmpty() as! Conv2d; fc1 = m.fc1.makeEmpty() as! Linear
        super.init(kind: "cnn", featureDim: 512, head: Identity())
    }
    public override var bodyChildren: [(String, Module)] { [("conv1", conv1), ("conv2", conv2), ("conv3", conv3), ("fc1", fc1)] }
    public override func features(_ x: Tensor) throws -> Tensor {
        var h = try conv1(x).relu()
        h = try maxPool2d(conv2(h).relu(), kernel: 2)
        h = try maxPool2d(conv3(h).relu(), kernel: 2)
        return try linearReLU(h.flattened(), weight: fc1.weight, bias: fc1.bias)   // = fc1(…).relu(), fused
    }
    public override func makeEmptyBody() -> Network { SmallCNN(emptyLike: self) }
    public override var summary: String { "SmallCNN(\(inputShape.map(String.init).joined(separator: "×")))" }
}
