import Foundation
import FLTensor
import FLCore

/// A backbone: a recipe until it knows its number of outputs (experiment() fills it from the
/// benchmark), then a network that can be called, inspected, saved and loaded.
public final class ModelObject: ScriptObject {
    public private(set) var spec: BackboneSpec
    /// Whether the spec still lacks input shape / classes from a benchmark.
    var unbound: (inputs: Bool, classes: Bool)
    private var built: Network?

    init(spec: BackboneSpec, unboundInputs: Bool, unboundClasses: Bool) {
        self.spec = spec
        unbound = (unboundInputs, unboundClasses)
    }
    /// Wraps a live network (a run's model, the old or primary model).
    init(network: Network, spec: BackboneSpec) {
        self.spec = spec; built = network; unbound = (false, false)
    }

    /// Completes the spec from a benchmark's input shape and class count.
    func bind(inputShape: [Int], classes: Int) throws {
        if unbound.inputs {
            if spec.kind == "mlp", spec.inputShape.reduce(1, *) != inputShape.reduce(1, *), spec.inputShape != [0, 0, 0] {
                throw ScriptError("mlp(inputs: \(spec.inputShape.reduce(1, *))) does not fit the benchmark's \(inputShape.reduce(1, *))-value inputs")
            }
            spec.inputShape = inputShape
        } else if spec.inputShape.reduce(1, *) != inputShape.reduce(1, *) || (spec.kind != "mlp" && spec.inputShape != inputShape) {
            throw ScriptError("the model expects inputs \(spec.inputShape.map(String.init).joined(separator: "×")) but the benchmark has \(inputShape.map(String.init).joined(separator: "×"))")
        }
        if unbound.classes { spec.classes = classes }
        else if spec.classes < classes {
            throw ScriptError("the model has \(spec.classes) outputs but the benchmark has \(classes) classes")
        }
        unbound = (false, false)
        built = nil
    }

    /// The network (built on first use).
    public func network() throws -> Network {
        if let n = built { return n }
        if unbound.classes || unbound.inputs {
            throw ScriptError("\(spec.kind) does not know its \(unbound.inputs ? "input size" : "number of classes") yet: give \(unbound.inputs ? "inputs:" : "classes:") or use it in experiment()")
        }
        let n = try spec.build()
        built = n
        return n
    }

    public var typeName: String { "model" }
    public var typeSummary: String { "A backbone network (features + classifier); call it on a tensor for logits." }
    public var description: String {
        guard let n = try? network() else { return "\(spec.kind) (not built yet: its size comes from the benchmark in experiment())" }
        return "\(n.summary) · \(n.parameterCount) parameters · head \(n.head.summary) · \(n.isTraining ? "train" : "eval") mode"
    }
    public var members: [MemberInfo] {
        [MemberInfo("parameters", "number of parameter elements"), MemberInfo("kind", "mlp, cnn or resnet18"),
         MemberInfo("feature_dim", "width of features(x)"), MemberInfo("names", "state-dict names"),
         .method("features", "the feature vector of inputs x"), .method("logits", "the classifier's outputs on x"),
         .method("param", "a parameter or buffer tensor by state-dict name"),
         .method("save", "write parameters and buffers as safetensors"), .method("load", "read them from safetensors"),
         .method("copy", "an independent deep copy"), .method("train", "training mode"), .method("eval", "evaluation mode")]
    }

    public func member(_ name: String) throws -> Value? {
        func m(_ n: String, _ p: [Builtin.Parameter], _ s: String, _ body: @escaping (CallArguments) throws -> Value) -> Value {
            .builtin(Builtin("model.\(n)", summary: s, parameters: p, body: body))
        }
        switch name {
        case "kind": return Value(spec.kind)
        case "parameters": return Value(try network().parameterCount)
        case "feature_dim": return Value(try network().featureDim)
        case "names": return Value(try network().stateDict().map { Value($0.0) })
        case "features":
            return m(name, [.required("x", "inputs [B, C, H, W]")], "features") { a in
                let net = try self.network()
                return .object(TensorObject(try noGrad { try net.inferFeatures(a.tensor("x")) }))
            }
        case "logits":
            return m(name, [.required("x", "inputs [B, C, H, W]")], "logits") { a in
                let net = try self.network()
                return .object(TensorObject(try noGrad { try net(a.tensor("x")) }))
            }
        case "param":
            return m(name, [.required("name", "state-dict name, e.g. \"classifier.weight\"")], "a parameter tensor") { a in
                let n = try a.string("name")
                let sd = try self.network().stateDict()
                guard let t = sd.first(where: { $0.0 == n })?.1 else {
                    throw ScriptError("no parameter '\(n)'" + Suggestions.didYouMean(n, in: sd.map(\.0)))
                }
                return .object(TensorObject(t))
            }
        case "save":
            return m(name, [.required("path", "file to write (.safetensors)")], "save") { a in
                try self.network().save(to: try a.string("path"), metadata: ["flnb": flnbVersion, "backbone": self.spec.description])
                return .null
            }
        case "load":
            return m(name, [.required("path", "safetensors file")], "load") { a in
                try self.network().load(from: try a.string("path")); return .null
            }
        case "copy":
            return m(name, [], "deep copy") { _ in .object(ModelObject(network: try self.network().copy() as! Network, spec: self.spec)) }
        case "train": return m(name, [], "training mode") { _ in try self.network().train(); return .null }
        case "eval": return m(name, [], "evaluation mode") { _ in try self.network().eval(); return .null }
        default: return nil
        }
    }

    public func call(_ arguments: [LabeledValue], interpreter: Interpreter) throws -> Value {
        let a = try Signature(name: "model", parameters: [.required("x", "inputs")]).resolve(arguments, interpreter: interpreter)
        let net = try network()
        return .object(TensorObject(try noGrad { try net(a.tensor("x")) }))
    }
}
