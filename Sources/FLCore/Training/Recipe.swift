import Foundation
import FLTensor
import FLData

/// How to build a backbone again (snapshots, notebooks, forks).
public struct BackboneSpec: Codable, Equatable, Sendable, CustomStringConvertible {
    public var kind: String            // "mlp", "cnn", "resnet18"
    public var inputShape: [Int]       // [C, H, W]
    public var classes: Int
    public var hidden: [Int] = [100, 100]
    public var nf: Int = 64
    public var seed: UInt64 = 0
    /// How the parameters are drawn; nil is the backbone's default (`defaultInitialization`).
    /// Optional so that recipes written before it existed still decode.
    public var initialization: Initialization? = nil

    public init(kind: String, inputShape: [Int], classes: Int, hidden: [Int] = [100, 100], nf: Int = 64, seed: UInt64 = 0,
                initialization: Initialization? = nil) {
        self.kind = kind; self.inputShape = inputShape; self.classes = classes; self.hidden = hidden; self.nf = nf; self.seed = seed
        self.initialization = initialization
    }

    /// What each backbone uses unless told otherwise, as the reference's backbones do: the MNIST
    /// MLP applies mammoth's Xavier init; mammoth's ResNet-18 keeps PyTorch's default (its file
    /// overrides nothing); the small CNN, flnb's own, keeps PyTorch's default too.
    public static func defaultInitialization(kind: String) -> Initialization { kind == "mlp" ? .xavier : .torch }

    /// The network, initialized as `initialization` (or the backbone's default) says, drawn from `seed`.
    public func build() throws -> Network {
        var rng = RNG(seed: seed)
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw ConfigurationError("backbone: input shape must be [channels, height, width], got \(inputShape)")
        }
        guard classes >= 1 else { throw ConfigurationError("backbone: needs at least one class") }
        if kind != "mlp", let i = initialization, i != .torch {
            throw ConfigurationError("\(kind): only init \"torch\" (PyTorch's default, which mammoth's ResNet-18 keeps) is available, got \"\(i.rawValue)\"")
        }
        switch kind {
        case "mlp":
            guard hidden.allSatisfy({ $0 > 0 }) else { throw ConfigurationError("mlp: hidden widths must be positive, got \(hidden)") }
            return MLP(inputs: inputShape.reduce(1, *), hidden: hidden, classes: classes,
                       initialization: initialization ?? Self.defaultInitialization(kind: kind), rng: &rng)
        case "cnn":
            guard inputShape[1] >= 4, inputShape[2] >= 4 else { throw ConfigurationError("cnn: images must be at least 4×4") }
            return SmallCNN(channels: inputShape[0], height: inputShape[1], width: inputShape[2], classes: classes, rng: &rng)
        case "resnet18":
            guard nf >= 1 else { throw ConfigurationError("resnet18: nf must be positive") }
            return ResNet18(nf: nf, classes: classes, inputChannels: inputShape[0], rng: &rng)
        default:
            throw ConfigurationError("unknown backbone '\(kind)'; known: mlp, cnn, resnet18")
        }
    }

    public var description: String {
        switch kind {
        case "mlp":
            let sizes = ([inputShape.reduce(1, *)] + hidden + [classes]).map(String.init).joined(separator: "-")
            return "mlp(\(sizes)\(initialization == .torch ? ", init torch" : ""))"
        case "resnet18": return "resnet18(nf=\(nf), \(classes) classes)"
        default: return "\(kind)(\(inputShape.map(String.init).joined(separator: "×")), \(classes) classes)"
        }
    }
}

/// A regularizer as data.
public struct RegularizerSpec: Codable, Equatable, Sendable {
    public var kind: String
    public var source: KnowledgeSource
    public var options: [String: Double]
    public var text: [String: String]
    public init(_ r: Regularizer) {
        let (k, o, t) = RegularizerRegistry.describe(r)
        kind = k; source = r.source; options = o; text = t
    }
    public func build() throws -> Regularizer { try RegularizerRegistry.make(kind, source: source, options: options, text: text) }
}

/// Everything needed to build a run again from nothing but data: backbone, benchmark, method,
/// configuration and Flashback.
public struct ExperimentRecipe: Codable, Equatable, Sendable {
    public var backbone: BackboneSpec
    public var data: BenchmarkRecipe
    public var strategy: String
    public var strategyOptions: [String: Double]
    public var config: ExperimentConfig
    public var flashback: FlashbackConfig?

    public init(backbone: BackboneSpec, data: BenchmarkRecipe, strategy: String, strategyOptions: [String: Double],
                config: ExperimentConfig, flashback: FlashbackConfig?) {
        self.backbone = backbone; self.data = data; self.strategy = strategy; self.strategyOptions = strategyOptions
        self.config = config; self.flashback = flashback
    }
}
