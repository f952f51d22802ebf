import Foundation
import FLTensor
import FLCore

/// A tensor as a script value: arithmetic with numbers and tensors, `@`, NumPy-style
/// indexing and slicing, reductions and printing with truncation.
public final class TensorObject: ScriptObject {
    public let tensor: Tensor
    public init(_ t: Tensor) { tensor = t }

    public var typeName: String { "tensor" }
    public var typeSummary: String { "A Float32 array with autodiff (shape \(shapeString(tensor.shape)))." }
    public var description: String { tensor.description }
    public var length: Int? { tensor.shape.first ?? 1 }

    public var members: [MemberInfo] {
        [MemberInfo("shape", "dimensions as a list"), MemberInfo("rank", "number of dimensions"),
         MemberInfo("count", "number of elements"), MemberInfo("grad", "accumulated gradient (or nil)"),
         MemberInfo("T", "transpose of a matrix"),
         .method("sum", "sum of all elements, or along dim"), .method("mean", "mean, or along dim"),
         .method("max", "largest element, or along dim"), .method("min", "smallest element, or along dim"),
         .method("argmax", "indices of the largest values along dim (default last)"),
         .method("std", "standard deviation of all elements"),
         .method("reshape", "same data, another shape"), .method("flatten", "[N, rest]"),
         .method("item", "the single value of a one-element tensor"), .method("tolist", "nested lists"),
         .method("softmax", "softmax over the last dimension"), .method("log_softmax", "log-softmax over the last dimension"),
         .method("sigmoid", "1/(1+e^−x)"), .method("relu", "max(x, 0)"), .method("exp", "eˣ"), .method("log", "ln x"),
         .method("sqrt", "√x"), .method("abs", "|x|"), .method("normalize", "rows scaled to unit L2 norm"),
         .method("topk", "k largest values along the last dimension"), .method("detach", "a copy without history"),
         .method("backward", "gradients of this scalar into leaves that require grad"),
         .method("requires_grad", "marks the tensor as a leaf collecting gradients")]
    }

    func method(_ name: String, _ params: [Builtin.Parameter], _ summary: String, _ body: @escaping (CallArguments) throws -> Value) -> Value {
        .builtin(Builtin("tensor.\(name)", summary: summary, parameters: params, example: "", body: body))
    }

    public func member(_ name: String) throws -> Value? {
        let t = tensor
        switch name {
        case "shape": return Value(t.shape.map { Value($0) })
        case "rank": return Value(t.rank)
        case "count": return Value(t.count)
        case "grad": return t.grad.map { .object(TensorObject($0)) } ?? .null
        case "T": return .object(TensorObject(try t.transposed()))
        case "sum", "mean":
            return method(name, [.optional("dim", default: .null, "dimension to reduce (all when nil)")], "\(name) of the elements") { a in
                if a["dim"].isNull { return .object(TensorObject(name == "sum" ? t.sum() : t.mean())) }
                let d = try a.int("dim")
                return .object(TensorObject(name == "sum" ? try t.sum(dim: d) : try t.mean(dim: d)))
            }
        case "max", "min":
            return method(name, [.optional("dim", default: .null, "dimension (whole tensor when nil)")], "\(name) value") { a in
                if a["dim"].isNull { return Value(Double(name == "max" ? t.maxValue() : t.minValue())) }
                let d = try a.int("dim")
                return .object(TensorObject(name == "max" ? try t.max(dim: d).values : try t.min(dim: d).values))
            }
        case "argmax":
            return method(name, [.optional("dim", default: -1, "dimension")], "indices of the largest values") { a in
                Value(try t.argmax(dim: try a.int("dim")).map { Value($0) })
            }
        case "std":
            return method(name, [], "standard deviation") { _ in
                let s = TensorStats(t)
                return Value(s.std)
            }
        case "reshape":
            return method(name, [.variadic("shape", "new dimensions; one may be -1")], "same data, another shape") { a in
                let dims = try shapeArgument(a.rest, name: "reshape")
                return .object(TensorObject(try t.reshaped(dims)))
            }
        case "flatten": return method(name, [], "[N, rest]") { _ in .object(TensorObject(t.flattened())) }
        case "item": return method(name, [], "the single value") { _ in Value(Double(try t.item())) }
        case "tolist": return method(name, [], "nested lists") { _ in toList(t) }
        case "softmax": return method(name, [], "softmax") { _ in .object(TensorObject(try t.softmax())) }
        case "log_softmax": return method(name, [], "log-softmax") { _ in .object(TensorObject(try t.logSoftmax())) }
        case "sigmoid": return method(name, [], "sigmoid") { _ in .object(TensorObject(t.sigmoid())) }
        case "relu": return method(name, [], "relu") { _ in .object(TensorObject(t.relu())) }
        case "exp": return method(name, [], "exp") { _ in .object(TensorObject(t.exp())) }
        case "log": return method(name, [], "log") { _ in .object(TensorObject(t.log())) }
        case "sqrt": return method(name, [], "sqrt") { _ in .object(TensorObject(t.sqrt())) }
        case "abs": return method(name, [], "abs") { _ in .object(TensorObject(t.abs())) }
        case "normalize": return method(name, [], "unit rows") { _ in .object(TensorObject(try t.l2Normalized())) }
        case "topk":
            return method(name, [.required("k", "how many")], "k largest values along the last dimension") { a in
                .object(TensorObject(try t.topk(try a.int("k")).values))
            }
        case "detach": return method(name, [], "copy without history") { _ in .object(TensorObject(t.detach().clone())) }
        case "backward":
            return method(name, [], "backpropagate from this scalar") { _ in try t.backward(); return .null }
        case "requires_grad":
            return method(name, [.optional("flag", default: true, "whether to collect gradients")], "mark as leaf") { a in
                t.requiresGrad = try a.bool("flag"); return .object(self)
            }
        default: return nil
        }
    }

    public func binary(_ op: BinaryOperator, _ other: Value, objectIsLeft: Bool) throws -> Value? {
        let t = tensor
        if case .number(let x) = other {
            let s = Float(x)
            switch (op, objectIsLeft) {
            case (.add, _): return .object(TensorObject(t + s))
            case (.subtract, true): return .object(TensorObject(t - s))
            case (.subtract, false): return .object(TensorObject(s - t))
            case (.multiply, _): return .object(TensorObject(t * s))
            case (.divide, true): return .object(TensorObject(t / s))
            case (.divide, false): return .object(TensorObject(s / t))
            case (.power, true): return .object(TensorObject(t.pow(s)))
            case (.equal, _): return Value(t.count == 1 && t.data[0] == s)
            case (.notEqual, _): return Value(!(t.count == 1 && t.data[0] == s))
            default: return nil
            }
        }
        guard case .object(let o) = other, let u = (o as? TensorObject)?.tensor else { return nil }
        let (a, b) = objectIsLeft ? (t, u) : (u, t)
        switch op {
        case .add: return .object(TensorObject(try a + b))
        case .subtract: return .object(TensorObject(try a - b))
        case .multiply: return .object(TensorObject(try a * b))
        case .divide: return .object(TensorObject(try a / b))
        case .matmul:
            let a2 = a.rank == 1 ? try a.reshaped([1, -1]) : a
            let b2 = b.rank == 1 ? try b.reshaped([-1, 1]) : b
            var r = try matmul(a2, b2)
            if a.rank == 1 && b.rank == 1 { r = try r.reshaped([]) }
            else if a.rank == 1 { r = try r.reshaped([-1]) } else if b.rank == 1 { r = try r.reshaped([-1]) }
            return .object(TensorObject(r))
        case .equal: return Value(a.shape == b.shape && a.toArray() == b.toArray())
        case .notEqual: return Value(!(a.shape == b.shape && a.toArray() == b.toArray()))
        default: return nil
        }
    }

    public func unary(_ op: UnaryOperator) throws -> Value? { .object(TensorObject(-tensor)) }

    public func subscriptGet(_ index: [IndexComponent]) throws -> Value {
        guard index.count <= tensor.rank else {
            throw ScriptError("too many indices (\(index.count)) for a tensor of shape \(shapeString(tensor.shape))")
        }
        var t = tensor
        var dim = 0
        for comp in index {
            switch comp {
            case .value(let v):
                guard case .number(let x) = v, let i = Value.exactInt(x) else {
                    throw ScriptError("tensor indices are integers or slices, got \(v.typeName)")
                }
                let n = t.shape[dim]
                let j = i < 0 ? i + n : i
                guard j >= 0 && j < n else { throw ScriptError("index \(i) out of range for dimension \(dim) of size \(n)") }
                t = try t.slice(dim: dim, start: j, end: j + 1)
                var s = t.shape; s.remove(at: dim)
                t = try t.reshaped(s)
            case .slice(let b):
                let n = t.shape[dim]
                let (start, stop, step) = b.resolved(count: n)
                if step < 0 {
                    let idx = b.indices(count: n)
                    t = try t.indexSelect(dim: dim, idx)
                } else {
                    t = try t.slice(dim: dim, start: start, end: max(start, stop), step: step)
                }
                dim += 1
            }
        }
        if t.rank == 0 { return Value(Double(t.data[0])) }
        return .object(TensorObject(t))
    }

    public func subscriptSet(_ index: [IndexComponent], to value: Value) throws {
        guard index.count == tensor.rank, case .number(let x) = value else {
            throw ScriptError("assign one number to one element: t[i, j] = x (a tensor of shape \(shapeString(tensor.shape)))")
        }
        var flat = 0
        for (d, comp) in index.enumerated() {
            guard case .value(.number(let v)) = comp, let i = Value.exactInt(v) else { throw ScriptError("element assignment needs integer indices") }
            let n = tensor.shape[d]
            let j = i < 0 ? i + n : i
            guard j >= 0 && j < n else { throw ScriptError("index \(i) out of range for dimension \(d) of size \(n)") }
            flat = flat * n + j
        }
        tensor.data[flat] = Float(x)
    }

    public func makeIterator() throws -> AnyIterator<Value> {
        let n = tensor.shape.first ?? 0
        var i = 0
        return AnyIterator {
            guard i < n else { return nil }
            defer { i += 1 }
            return try? self.subscriptGet([.value(Value(i))])
        }
    }
}

/// Nested lists of a tensor's values.
func toList(_ t: Tensor) -> Value {
    func build(_ dim: Int, _ offset: Int) -> Value {
        if dim == t.rank { return Value(Double(t.data[offset])) }
        let stride = t.shape[(dim + 1)...].reduce(1, *)
        return Value((0..<t.shape[dim]).map { build(dim + 1, offset + $0 * stride) })
    }
    return t.rank == 0 ? Value(Double(t.data[0])) : build(0, 0)
}

/// A shape from arguments: `reshape(2, 3)` or `reshape([2, 3])`.
func shapeArgument(_ values: [Value], name: String) throws -> [Int] {
    var items = values
    if items.count == 1, case .list(let l) = items[0] { items = l.items }
    return try items.map { v in
        guard case .number(let x) = v, let i = Value.exactInt(x) else { throw ScriptError("\(name): dimensions are integers, got \(v.typeName)") }
        return i
    }
}

/// Flattens nested number lists into values and a shape.
func flattenNumbers(_ v: Value) throws -> ([Float], [Int]) {
    switch v {
    case .number(let x): return ([Float(x)], [])
    case .bool(let b): return ([b ? 1 : 0], [])
    case .list(let l):
        if l.items.isEmpty { return ([], [0]) }
        var data: [Float] = []
        var inner: [Int]? = nil
        for item in l.items {
            let (d, s) = try flattenNumbers(item)
            if let inner, inner != s { throw ScriptError("tensor: rows of different lengths (ragged nested list)") }
            inner = s
            data += d
        }
        return (data, [l.items.count] + (inner ?? []))
    case .object(let o as TensorObject): return (o.tensor.toArray(), o.tensor.shape)
    default: throw ScriptError("tensor: expected numbers or nested lists of numbers, got \(v.typeName)")
    }
}

extension CallArguments {
    /// The argument as a tensor (a tensor object, a number or a nested list).
    func tensor(_ name: String) throws -> Tensor {
        let v = self[name]
        if case .object(let o) = v, let t = o as? TensorObject { return t.tensor }
        if case .number = v { return Tensor(scalar: Float(try number(name))) }
        if case .list = v { let (d, s) = try flattenNumbers(v); return try Tensor(shape: s, values: d) }
        throw ScriptError("\(name): expected a tensor, got \(v.typeName)", argument: name)
    }
}
