import Foundation
import FLTensor
import FLData
import FLCore

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
