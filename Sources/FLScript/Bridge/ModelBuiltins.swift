import Foundation
import FLTensor
import FLData
import FLCore

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
