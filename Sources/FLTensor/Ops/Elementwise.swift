import Foundation

/// Binary arithmetic with NumPy broadcasting.
enum BinaryKind { case add, sub, mul, div }

@inline(__always)
private func applyBinary(_ kind: BinaryKind, _ a: UnsafePointer<Float>, _ sa: Int,
                         _ b: UnsafePointer<Float>, _ sb: Int,
                         _ o: UnsafeMutablePointer<Float>, _ n: Int) {
    // Specialize the common stride patterns so the loops vectorize.
    switch (kind, sa, sb) {
    case (.add, 1, 1): for i in 0..<n { o[i] = a[i] + b[i] }
    case (.add, 1, 0): let v = b[0]; for i in 0..<n { o[i] = a[i] + v }
    case (.add, 0, 1): let v = a[0]; for i in 0..<n { o[i] = v + b[i] }
    case (.sub, 1, 1): for i in 0..<n { o[i] = a[i] - b[i] }
    case (.sub, 1, 0): let v = b[0]; for i in 0..<n { o[i] = a[i] - v }
    case (.sub, 0, 1): let v = a[0]; for i in 0..<n { o[i] = v - b[i] }
    case (.mul, 1, 1): for i in 0..<n { o[i] = a[i] * b[i] }
    case (.mul, 1, 0): let v = b[0]; for i in 0..<n { o[i] = a[i] * v }
    case (.mul, 0, 1): let v = a[0]; for i in 0..<n { o[i] = v * b[i] }
    case (.div, 1, 1): for i in 0..<n { o[i] = a[i] / b[i] }
    case (.div, 1, 0): let v = b[0]; for i in 0..<n { o[i] = a[i] / v }
    case (.div, 0, 1): let v = a[0]; for i in 0..<n { o[i] = v / b[i] }
    default:
        let v = kind
        for i in 0..<n {
            let x = a[i * sa], y = b[i * sb]
            switch v {
            case .add: o[i] = x + y
            case .sub: o[i] = x - y
            case .mul: o[i] = x * y
            case .div: o[i] = x / y
            }
        }
    }
}

func binaryForward(_ kind: BinaryKind, _ name: String, _ a: Tensor, _ b: Tensor) throws -> Tensor {
    let shape = a.shape == b.shape ? a.shape : try BroadcastPlan.resultShape(name, a.shape, b.shape)
    let out = Tensor.empty(shape)
    let pa = a.data, pb = b.data, po = out.data
    if a.shape == b.shape {
        Parallel.ranges(out.count, grain: 65_536) { r in
            applyBinary(kind, pa + r.lowerBound, 1, pb + r.lowerBound, 1, po + r.lowerBound, r.count)
        }
        return out
    }
    let plan = BroadcastPlan(outShape: shape, operands: [a.shape, b.shape])
    let inner = plan.inner
    let sa = plan.strides[0].last!, sb = plan.strides[1].last!
    let rows = plan.rows
    let grainRows = max(1, 65_536 / max(inner, 1))
    Parallel.ranges(rows, grain: grainRows) { rr in
        for r in rr {
            applyBinary(kind, pa + plan.rowOffsets(r, 0), sa, pb + plan.rowOffsets(r, 1), sb, po + r * inner, inner)
        }
    }
    return out
}

final class BinaryBackward: GradFunction {
    let inputs: [Tensor]
    let kind: BinaryKind
    init(_ kind: BinaryKind, _ a: Tensor, _ b: Tensor) { self.kind = kind; inputs = [a, b] }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let a = inputs[0], b = inputs[1]
        var ga: Tensor? = nil, gb: Tensor? = nil
        switch kind {
        case .add:
            if needs[0] { ga = reduceSum(g, to: a.shape) }
            if needs[1] { gb = reduceSum(g, to: b.shape) }
        case .sub:
            if needs[0] { ga = reduceSum(g, to: a.shape) }
            if needs[1] { gb = reduceSum(scaled(g, -1), to: b.shape) }
        case .mul:
            if needs[0] { ga = reduceSum(try! binaryForward(.mul, "mul", g, b), to: a.shape) }
            if needs[1] { gb = reduceSum(try! binaryForward(.mul, "mul", g, a), to: b.shape) }
        case .div:
            let q = try! binaryForward(.div, "div", g, b)          // g / b
            if needs[0] { ga = reduceSum(q, to: a.shape) }
            if needs[1] {
                // d(a/b)/db = -a/b²  →  -(g/b)·(a/b)
                let ab = try! binaryForward(.div, "div", a, b)
                let t = try! binaryForward(.mul, "mul", q, ab)
                gb = reduceSum(scaled(t, -1), to: b.shape)
            }
        }
        return [ga, gb]
    }
}

/// x · s into new storage (no graph).
func scaled(_ x: Tensor, _ s: Float) -> Tensor {
    let out = Tensor.empty(x.shape)
    let px = x.data, po = out.data
    Parallel.ranges(x.count, grain: 65_536) { r in for i in r { po[i] = px[i] * s } }
    return out
}

/// Affine map a·x + c elementwise (scalars), the op behind tensor–number arithmetic.
final class AffineBackward: GradFunction {
    let inputs: [Tensor]
    let scale: Float
    init(_ x: Tensor, _ scale: Float) { inputs = [x]; self.scale = scale }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] { [scale == 1 ? g : scaled(g, scale)] }
}

func affine(_ x: Tensor, scale: Float, shift: Float) -> Tensor {
    let out = Tensor.empty(x.shape)
    let px = x.data, po = out.data
    Parallel.ranges(x.count, grain: 65_536) { r in for i in r { po[i] = px[i] * scale + shift } }
    return out.record([x]) { AffineBackward(x, scale) }
}

/// Number divided by tensor: s / x.
final class ReciprocalBackward: GradFunction {
    let inputs: [Tensor]
    let s: Float
    init(_ x: Tensor, _ s: Float) { inputs = [x]; self.s = s }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = inputs[0]
        let out = Tensor.empty(x.shape)
        let px = x.data, pg = g.data, po = out.data
        let s = self.s
        for i in 0..<x.count { po[i] = -s * pg[i] / (px[i] * px[i]) }
        return [out]
    }
}

extension Tensor {
    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        try binaryForward(.add, "add", a, b).record([a, b]) { BinaryBackward(.add, a, b) }
    }
    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        try binaryForward(.sub, "sub", a, b).record([a, b]) { BinaryBackward(.sub, a, b) }
    }
    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        try binaryForward(.mul, "mul", a, b).record([a, b]) { BinaryBackward(.mul, a, b) }
    }
    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        try binaryForward(.div, "div", a, b).record([a, b]) { BinaryBackward(.div, a, b) }
    }
    public static func + (a: Tensor, s: Float) -> Tensor { affine(a, scale: 1, shift: s) }
    public static func + (s: Float, a: Tensor) -> Tensor { affine(a, scale: 1, shift: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { affine(a, scale: 1, shift: -s) }
    public static func - (s: Float, a: Tensor) -> Tensor { affine(a, scale: -1, shift: s) }
    public static func * (a: Tensor, s: Float) -> Tensor { affine(a, scale: s, shift: 0) }
    public static func * (s: Float, a: Tensor) -> Tensor { affine(a, scale: s, shift: 0) }
    public static func / (a: Tensor, s: Float) -> Tensor { affine(a, scale: 1 / s, shift: 0) }
    public static func / (s: Float, a: Tensor) -> Tensor {
        let out = Tensor.empty(a.shape)
        let pa = a.data, po = out.data
        for i in 0..<a.count { po[i] = s / pa[i] }
        return out.record([a]) { ReciprocalBackward(a, s) }
    }
    public static prefix func - (a: Tensor) -> Tensor { affine(a, scale: -1, shift: 0) }
}

/// relu(a + b) for same-shape tensors in one pass: the residual join of a BasicBlock.
final class AddReLUBackward: GradFunction {
    let inputs: [Tensor]
    let output: Tensor
    init(_ a: Tensor, _ b: Tensor, _ y: Tensor) { inputs = [a, b]; output = y.detach() }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let gm = Tensor.empty(g.shape)
        let py = output.data, pg = g.data, pm = gm.data
        Parallel.ranges(g.count, grain: 32_768) { r in for i in r { pm[i] = py[i] > 0 ? pg[i] : 0 } }
        return [needs[0] ? gm : nil, needs[1] ? gm : nil]
    }
}

/// max(a + b, 0) elementwise (same shapes), fused.
public func addReLU(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    guard a.shape == b.shape else { throw TensorError.shapes("add_relu", a.shape, b.shape, "shapes must match") }
    let out = Tensor.empty(a.shape)
    let pa = a.data, pb = b.data, po = out.data
    Parallel.ranges(a.count, grain: 32_768) { r in for i in r { po[i] = Swift.max(pa[i] + pb[i], 0) } }
    return out.record([a, b]) { AddReLUBackward(a, b, out) }
}
