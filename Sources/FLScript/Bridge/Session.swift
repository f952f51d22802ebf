import Foundation
import FLTensor
import FLData
import FLCore

/// Builds interpreters with every capability of the modules as builtins: tensors, benchmarks,
/// backbones, methods, Flashback, regularizers, experiments, snapshots, plots.
public enum FLSession {
    /// A fresh interpreter with all builtins; `output` receives everything scripts print.
    public static func makeInterpreter(output: @escaping (String) -> Void = { Swift.print($0, terminator: "") },
                                       interruptFlag: InterruptFlag = .shared) -> Interpreter {
        let interp = Interpreter(output: output, interruptFlag: interruptFlag)
        let state = SessionState()
        interp.define(tensorBuiltins(state))
        interp.define(modelBuiltins(state))
        interp.define(methodBuiltins())
        interp.define(regularizerBuiltins())
        interp.define(experimentBuiltins(state))
        interp.define(utilityBuiltins(state))
        return interp
    }
}

/// Per-interpreter state: the session seed and random stream.
final class SessionState {
    var seed: UInt64 = 0
    var rng = RNG(seed: 0)
}

func num(_ x: Double) -> Value { Value(x) }

// MARK: - Tensors

func tensorBuiltins(_ state: SessionState) -> [Builtin] {
    func shape(_ a: CallArguments) throws -> [Int] {
        let dims = try shapeArgument(a.rest, name: a.signature.name)
        guard dims.allSatisfy({ $0 >= 0 }), dims.reduce(1, *) <= 100_000_000 else { throw ScriptError("\(a.signature.name): invalid shape \(dims)") }
        return dims
    }
    func rng(_ a: CallArguments) throws -> RNG {
        if let s = try a.optionalInt("seed") { return RNG(seed: UInt64(bitPattern: Int64(s))) }
        return state.rng.split()
    }
    return [
        Builtin("tensor", summary: "A tensor from nested lists of numbers.",
                parameters: [.required("values", "numbers or nested lists"), .optional("shape", default: .null, "reshape to this")],
                example: "t = tensor([[1, 2], [3, 4]])") { a in
            let (d, s) = try flattenNumbers(a["values"])
            var t = try Tensor(shape: s, values: d)
            if case .list(let l) = a["shape"] { t = try t.reshaped(try shapeArgument(l.items, name: "tensor")) }
            return .object(TensorObject(t))
        },
        Builtin("zeros", summary: "A tensor of zeros.", parameters: [.variadic("shape", "dimensions")], example: "zeros(2, 3)") { a in
            .object(TensorObject(Tensor.zeros(try shape(a))))
        },
        Builtin("ones", summary: "A tensor of ones.", parameters: [.variadic("shape", "dimensions")], example: "ones(4)") { a in
            .object(TensorObject(Tensor.ones(try shape(a))))
        },
        Builtin("randn", summary: "Standard normal samples (from the session stream, or a given seed).",
                parameters: [.variadic("shape", "dimensions"), .optional("seed", default: .null, "seed for this draw")],
                example: "x = randn(4, 8, seed: 1)") { a in
            var r = try rng(a)
            return .object(TensorObject(Tensor.normal(try shape(a), rng: &r)))
        },
        Builtin("rand", summary: "Uniform samples in [0, 1).",
                parameters: [.variadic("shape", "dimensions"), .optional("seed", default: .null, "seed for this draw")],
                example: "rand(3, seed: 2)") { a in
            var r = try rng(a)
            return .object(TensorObject(Tensor.uniform(try shape(a), rng: &r)))
        },
        Builtin("arange", summary: "0, 1, …, n−1 as a tensor.", parameters: [.required("n", "length")], example: "arange(5)") { a in
            .object(TensorObject(Tensor.arange(try a.int("n"))))
        },
        Builtin("eye", summary: "The n×n identity matrix.", parameters: [.required("n", "size")], example: "eye(3)") { a in
            let n = try a.int("n"); let t = Tensor.zeros([n, n]); for i in 0..<n { t.data[i * n + i] = 1 }
            return .object(TensorObject(t))
        },
        Builtin("matmul", summary: "Matrix product (same as a @ b).", parameters: [.required("a"), .required("b")], example: "matmul(a, b)") { a in
            .object(TensorObject(try matmul(a.tensor("a"), a.tensor("b"))))
        },
        Builtin("concat", summary: "Joins tensors along a dimension.",
                parameters: [.required("tensors", "list of tensors"), .optional("dim", default: 0, "dimension")],
                example: "concat([a, b], dim: 1)") { a in
            let ts = try a.list("tensors").items.map { v -> Tensor in
                guard case .object(let o as TensorObject) = v else { throw ScriptError("concat: expected tensors, got \(v.typeName)") }
                return o.tensor
            }
            return .object(TensorObject(try concat(ts, dim: try a.int("dim"))))
        },
        Builtin("cross_entropy", summary: "Mean cross-entropy of logits [B, N] against integer labels.",
                parameters: [.required("logits"), .required("labels", "list of class indices")], example: "cross_entropy(z, [0, 2])") { a in
            let labels = try a.list("labels").items.map { v -> Int in
                guard case .number(let x) = v, let i = Value.exactInt(x) else { throw ScriptError("labels: expected integers") }
                return i
            }
            return .object(TensorObject(try crossEntropy(a.tensor("logits"), labels)))
        },
        Builtin("mse", summary: "Mean squared error.", parameters: [.required("a"), .required("b")], example: "mse(x, y)") { a in
            .object(TensorObject(try mseLoss(a.tensor("a"), a.tensor("b"))))
        },
        Builtin("cosine", summary: "Row-wise cosine similarity of two [B, d] tensors.", parameters: [.required("a"), .required("b")],
                example: "cosine(f, g)") { a in
            .object(TensorObject(try cosineSimilarity(a.tensor("a"), a.tensor("b"))))
        },
    ]
}

// MARK: - Backbones

func modelBuiltins(_ state: SessionState) -> [Builtin] {
    func classes(_ a: CallArguments) throws -> Int? {
        guard let c = try a.optionalInt("classes") else { return nil }
        guard c >= 1 else { throw ScriptError("classes: must be at least 1, got \(c)", argument: "classes") }
        return c
    }
    func seed(_ a: CallArguments) throws -> UInt64 { try a.optionalInt("seed").map { UInt64(bitPattern: Int64($0)) } ?? state.seed }
    return [
        Builtin("mlp", summary: "A multilayer perceptron (mammoth's MNIST net: 784-100-100-10). Sizes not given come from the benchmark.",
                parameters: [.optional("inputs", default: .null, "input features (default: from the benchmark)"),
                             .optional("hidden", default: Value([Value(100), Value(100)]), "hidden widths"),
                             .optional("classes", default: .null, "outputs (default: the benchmark's classes)"),
                             .optional("seed", default: .null, "initialization seed (default: the session seed)"),
                             .optional("init", default: "xavier", "\"xavier\" (default: mammoth's MNIST MLP — Xavier-uniform weights, zero biases — as the reference uses) or \"torch\" (PyTorch's default Kaiming-uniform, a = √5)")],
                example: "net = mlp(inputs: 64, hidden: [100, 100])") { a in
            let hidden = try shapeArgument(a.list("hidden").items, name: "hidden")
            guard hidden.allSatisfy({ $0 > 0 }) else { throw ScriptError("hidden: widths must be positive", argument: "hidden") }
            let inputs = try a.optionalInt("inputs")
            if let i = inputs, i < 1 { throw ScriptError("inputs: must be positive", argument: "inputs") }
            let c = try classes(a)
            let initName = try a.string("init")
            guard let scheme = Initialization(rawValue: initName) else {
                throw ScriptError("init: \"xavier\" or \"torch\", got \"\(initName)\"", argument: "init")
            }
            let spec = BackboneSpec(kind: "mlp", inputShape: inputs.map { [1, 1, $0] } ?? [0, 0, 0], classes: c ?? 0, hidden: hidden,
                                    seed: try seed(a), initialization: scheme == .xavier ? nil : scheme)
            return .object(ModelObject(spec: spec, unboundInputs: inputs == nil, unboundClasses: c == nil))
        },
        Builtin("cnn", summary: "The small teaching CNN (3 conv layers, 2 max-pools, 512 hidden).",
                parameters: [.optional("shape", default: .null, "input [C, H, W] (default: from the benchmark)"),
                             .optional("classes", default: .null, "outputs"), .optional("seed", default: .null, "initialization seed")],
                example: "net = cnn()") { a in
            var shape: [Int]? = nil
            if case .list(let l) = a["shape"] { shape = try shapeArgument(l.items, name: "shape") }
            let c = try classes(a)
            let spec = BackboneSpec(kind: "cnn", inputShape: shape ?? [0, 0, 0], classes: c ?? 0, seed: try seed(a))
            return .object(ModelObject(spec: spec, unboundInputs: shape == nil, unboundClasses: c == nil))
        },
        Builtin("resnet18", summary: "CIFAR ResNet-18 of width nf (64: the paper's; 20: reduced).",
                parameters: [.optional("nf", default: 20, "base width"), .optional("classes", default: .null, "outputs"),
                             .optional("shape", default: .null, "input [C, H, W]"), .optional("seed", default: .null, "initialization seed")],
                example: "net = resnet18(nf: 20)") { a in
            var shape: [Int]? = nil
            if case .list(let l) = a["shape"] { shape = try shapeArgument(l.items, name: "shape") }
            let c = try classes(a)
            let spec = BackboneSpec(kind: "resnet18", inputShape: shape ?? [0, 0, 0], classes: c ?? 0, nf: try a.int("nf"), seed: try seed(a))
            return .object(ModelObject(spec: spec, unboundInputs: shape == nil, unboundClasses: c == nil))
        },
    ]
}

// MARK: - Methods, Flashback, regularizers

func methodBuiltins() -> [Builtin] {
    var out = StrategyRegistry.entries.map { entry -> Builtin in
        let params = entry.parameters.map { p -> Builtin.Parameter in
            .optional(p.name, default: Value(Double(p.defaultValue) ?? 0), p.summary)
        }
        let example = entry.parameters.isEmpty ? "strategy: \(entry.name)()" : "strategy: \(entry.name)(\(entry.parameters[0].name): \(entry.parameters[0].defaultValue))"
        return Builtin(entry.name, summary: "\(entry.title): \(entry.summary).", parameters: params, example: example) { a in
            var opts: [String: Double] = [:]
            for p in entry.parameters where a.isGiven(p.name) {
                opts[p.name] = p.kind == .flag ? try a[p.name].asBool.map { $0 ? 1 : 0 } ?? a.number(p.name) : try a.number(p.name)
            }
            _ = try StrategyRegistry.make(entry.name, options: opts)     // validate now
            return .object(MethodObject(name: entry.name, options: opts))
        }
    }
    out.append(Builtin("flashback", summary: "Flashback Learning: Phase 2 from θ*ₜ₋₁ with L_baseline + α_p·L_plastic (for tasks ≥ 1). Equal budget: epochs here + Phase 1 epochs = the original run's epochs.",
                       parameters: [.optional("alpha_p", default: 0.01, "plasticity weight α_p ≥ 0"), .optional("epochs", default: 1, "Phase 2 epochs"),
                                    .optional("milestones", default: Value([Value]()), "MultiStepLR milestones of Phase 2 (schf)"),
                                    .optional("primary_train_mode", default: false, "query θₚ in train mode like the reference")],
                       example: "flashback(alpha_p: 0.01, epochs: 2)") { a in
        let ms = try shapeArgument(a.list("milestones").items, name: "milestones")
        let c = FlashbackConfig(alphaP: Float(try a.number("alpha_p")), epochs: try a.int("epochs"), milestones: ms,
                                primaryInTrainMode: try a.bool("primary_train_mode"))
        try c.validate()
        return .object(FlashbackObject(c))
    })
    return out
}

func regularizerBuiltins() -> [Builtin] {
    ["ewc", "logit_distillation", "feature_distillation", "logit_replay"].map { kind in
        let d = RegularizerRegistry.declarations.first { $0.kind == kind }!
        let params = d.parameters.map { p -> Builtin.Parameter in
            switch p.kind {
            case .number: return .optional(p.name, default: Value(Double(p.defaultValue)!), p.summary)
            case .flag: return .optional(p.name, default: Value(p.defaultValue != "0"), p.summary)
            case .text: return .optional(p.name, default: p.defaultValue.isEmpty ? .null : Value(p.defaultValue), p.summary)
            }
        }
        return Builtin(kind, summary: d.summary, parameters: params, example: d.example) { a in
            var o: [String: Double] = [:], t: [String: String] = [:]
            var shown: [(String, Value)] = []
            // Numbers and flags first, then words: the order the recorded call text has always had.
            for p in d.parameters.filter({ $0.kind != .text }) + d.parameters.filter({ $0.kind == .text }) where a.isGiven(p.name) {
                switch p.kind {
                case .text: t[p.name] = try a.string(p.name)
                // Flags such as share_of_seen are booleans in scripts and 0/1 in the registry.
                case .number, .flag: o[p.name] = try a[p.name].asBool.map { $0 ? 1 : 0 } ?? a.number(p.name)
                }
                shown.append((p.name, a[p.name]))
            }
            _ = try RegularizerRegistry.make(kind, source: .old, options: o, text: t)   // validate now
            return .object(RegularizerObject(kind: kind, options: o, text: t, source: callText(a.signature.name, shown)))
        }
    }
}
