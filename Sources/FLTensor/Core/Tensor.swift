import Foundation

/// A dense Float32 tensor in contiguous row-major (NCHW for images) storage, with an optional
/// gradient and the operation that produced it (reverse-mode autodiff).
///
/// Tensors are values by convention: operations return new tensors. The exceptions are the
/// explicitly named in-place methods used by optimizers and state loading.
public final class Tensor: @unchecked Sendable {
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// The memory; reshapes share it.
    public let storage: TensorStorage
    /// Whether gradients flow to this tensor.
    public var requiresGrad: Bool
    /// Accumulated gradient after `backward()` (leaves only).
    public var grad: Tensor?
    /// The operation that produced this tensor, while a graph is being recorded.
    public internal(set) var gradFn: GradFunction?

    /// Number of elements.
    @inline(__always) public var count: Int { storage.count }
    /// Number of dimensions.
    @inline(__always) public var rank: Int { shape.count }
    /// The raw elements; valid while the tensor is alive.
    @inline(__always) public var data: UnsafeMutablePointer<Float> { storage.pointer }

    /// Wraps existing storage (its count must equal the product of `shape`).
    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(shape.reduce(1, *) == storage.count, "shape \(shape) does not match storage of \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// Uninitialized tensor (internal: every element must be written before use).
    @inline(__always)
    public static func empty(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)))
    }

    /// A tensor filled with `value`.
    public convenience init(shape: [Int], repeating value: Float, requiresGrad: Bool = false) {
        let st = TensorStorage(count: shape.reduce(1, *))
        st.pointer.update(repeating: value, count: st.count)
        self.init(shape: shape, storage: st, requiresGrad: requiresGrad)
    }

    /// A tensor holding `values` (count must match the shape).
    public convenience init(shape: [Int], values: [Float], requiresGrad: Bool = false) throws {
        let n = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }) else { throw TensorError("tensor: negative dimension in \(shapeString(shape))") }
        guard n == values.count else {
            throw TensorError("tensor: \(values.count) values do not fill shape \(shapeString(shape)) (\(n) elements)")
        }
        let st = TensorStorage(count: n)
        values.withUnsafeBufferPointer { st.pointer.update(from: $0.baseAddress!, count: n) }
        self.init(shape: shape, storage: st, requiresGrad: requiresGrad)
    }

    /// A 1-D tensor of the given values.
    public convenience init(_ values: [Float]) {
        try! self.init(shape: [values.count], values: values)
    }

    /// A scalar (rank-0) tensor.
    public convenience init(scalar: Float) {
        self.init(shape: [], repeating: scalar)
    }

    /// Zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: 0, requiresGrad: requiresGrad)
    }
    /// Ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, repeating: 1, requiresGrad: requiresGrad)
    }
    /// Uniform in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, rng: inout RNG) -> Tensor {
        let t = Tensor.empty(shape)
        let p = t.data
        for i in 0..<t.count { p[i] = rng.uniform(low, high) }
        return t
    }
    /// Normal with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RNG) -> Tensor {
        let t = Tensor.empty(shape)
        let p = t.data
        for i in 0..<t.count { p[i] = mean + std * rng.normal() }
        return t
    }
    /// 0, 1, … n−1 as floats.
    public static func arange(_ n: Int) -> Tensor {
        let t = Tensor.empty([n])
        for i in 0..<n { t.data[i] = Float(i) }
        return t
    }

    /// The elements as an array.
    public func toArray() -> [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The single element of a one-element tensor.
    public func item() throws -> Float {
        guard count == 1 else { throw TensorError("item: tensor of shape \(shapeString(shape)) has \(count) elements, not 1") }
        return data[0]
    }

    /// Element at a multi-index (for tests and printing; not for hot loops).
    public subscript(_ index: Int...) -> Float {
        get { data[flatIndex(index)] }
        set { data[flatIndex(index)] = newValue }
    }

    func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) for shape \(shape)")
        var off = 0
        for (i, d) in zip(index, shape) { precondition(i >= 0 && i < d, "index \(index) out of \(shape)"); off = off * d + i }
        return off
    }

    /// A copy that does not require grad and has no history.
    public func detach() -> Tensor {
        Tensor(shape: shape, storage: storage, requiresGrad: false)
    }

    /// A deep copy of the values (new storage, no history).
    public func clone() -> Tensor {
        let t = Tensor.empty(shape)
        t.data.update(from: data, count: count)
        return t
    }

    /// Copies the values of `other` into this tensor's storage (same element count).
    public func assign(_ other: Tensor) throws {
        guard other.count == count else { throw TensorError.shapes("assign", shape, other.shape, "element counts differ") }
        if other.data != data { data.update(from: other.data, count: count) }
    }

    /// Sets every element to `value` in place.
    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// Marks this tensor as a leaf that collects gradients, and returns it.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor { requiresGrad = flag; return self }
}

extension Tensor: CustomStringConvertible {
    /// NumPy-style printing with truncation of long dimensions.
    public var description: String { TensorFormatter.format(self) }
}

/// NumPy-like text rendering of tensors.
public enum TensorFormatter {
    public static func format(_ t: Tensor, edgeItems: Int = 3, threshold: Int = 1000) -> String {
        if t.rank == 0 { return "tensor(\(number(t.data[0])))" }
        let summarize = t.count > threshold
        var maxWidth = 0
        var strings: [String] = []
        strings.reserveCapacity(min(t.count, 2000))
        // Width from the printed elements only.
        var out = "tensor("
        let indent = String(repeating: " ", count: 7)
        func render(_ dim: Int, _ offset: Int, _ pad: String) -> String {
            let n = t.shape[dim]
            let stride = t.shape[(dim + 1)...].reduce(1, *)
            var idx: [Int?] = []
            if summarize && n > 2 * edgeItems {
                idx = Array(0..<edgeItems).map { Optional($0) } + [nil] + Array((n - edgeItems)..<n).map { Optional($0) }
            } else { idx = Array(0..<n).map { Optional($0) } }
            if dim == t.rank - 1 {
                let parts = idx.map { i -> String in
                    guard let i else { return "..." }
                    let s = number(t.data[offset + i])
                    return String(repeating: " ", count: max(0, maxWidth - s.count)) + s
                }
                return "[" + parts.joined(separator: ", ") + "]"
            }
            var parts: [String] = []
            for i in idx {
                guard let i else { parts.append("..."); continue }
                parts.append(render(dim + 1, offset + i * stride, pad + " "))
            }
            let sep = ",\n" + String(repeating: "\n", count: max(0, t.rank - dim - 2)) + pad + " "
            return "[" + parts.joined(separator: sep) + "]"
        }
        // First pass for width.
        let n = min(t.count, 2000)
        for i in 0..<n { strings.append(number(t.data[i])) }
        if summarize { for i in max(0, t.count - 200)..<t.count { strings.append(number(t.data[i])) } }
        maxWidth = strings.map(\.count).max() ?? 1
        out += render(0, 0, indent)
        out += ", shape: \(shapeString(t.shape)))"
        return out
    }

    /// Compact number formatting: integers without a fraction, otherwise 4 significant decimals.
    public static func number(_ x: Float) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == x.rounded() && abs(x) < 1e7 { return String(Int(x)) + "." }
        let a = abs(x)
        if a >= 1e-4 && a < 1e6 { return String(format: "%.4f", Double(x)) }
        return String(format: "%.4e", Double(x))
    }
}
