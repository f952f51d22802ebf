import Foundation

/// Pointwise functions of one tensor.
enum UnaryKind: Equatable {
    case relu, sigmoid, tanh, exp, log, sqrt, abs, square
    case pow(Float)
    case clamp(Float, Float)
}

@inline(__always)
private func sigmoidScalar(_ x: Float) -> Float {
    // Stable on both tails.
    if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
    let e = Foundation.exp(x)
    return e / (1 + e)
}

func unaryForward(_ kind: UnaryKind, _ x: Tensor) -> Tensor {
    let out = Tensor.empty(x.shape)
    let px = x.data, po = out.data
    Parallel.ranges(x.count, grain: 32_768) { r in
        switch kind {
        case .relu: for i in r { let v = px[i]; po[i] = v > 0 ? v : 0 }
        case .sigmoid: for i in r { po[i] = sigmoidScalar(px[i]) }
        case .tanh: for i in r { po[i] = Foundation.tanh(px[i]) }
        case .exp: for i in r { po[i] = Foundation.exp(px[i]) }
        case .log: for i in r { po[i] = Foundation.log(px[i]) }
        case .sqrt: for i in r { po[i] = px[i].squareRoot() }
        case .abs: for i in r { po[i] = Swift.abs(px[i]) }
        case .square: for i in r { po[i] = px[i] * px[i] }
        case .pow(let p): for i in r { po[i] = Foundation.pow(px[i], p) }
        case .clamp(let lo, let hi): for i in r { po[i] = Swift.min(Swift.max(px[i], lo), hi) }
        }
    }
    return out
}

final class UnaryBackward: GradFunction {
    let inputs: [Tensor]
    let kind: UnaryKind
    let output: Tensor
    init(_ kind: UnaryKind, _ x: Tensor, _ y: Tensor) {
        self.kind = kind; inputs = [x]
        // Keep only the storage of y (not its graph) to avoid a reference cycle.
        output = y.detach()
    }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = inputs[0]
        let gx = Tensor.empty(x.shape)
        let px = x.data, py = output.data, pg = g.data, po = gx.data
        Parallel.ranges(x.count, grain: 32_768) { r in
            switch kind {
            case .relu: for i in r { po[i] = px[i] > 0 ? pg[i] : 0 }
            case .sigmoid: for i in r { let y = py[i]; po[i] = pg[i] * y * (1 - y) }
            case .tanh: for i in r { let y = py[i]; po[i] = pg[i] * (1 - y * y) }
            case .exp: for i in r { po[i] = pg[i] * py[i] }
            case .log: for i in r { po[i] = pg[i] / px[i] }
            case .sqrt: for i in r { po[i] = pg[i] * 0.5 / py[i] }
            case .abs: for i in r { let v = px[i]; po[i] = v > 0 ? pg[i] : (v < 0 ? -pg[i] : 0) }
            case .square: for i in r { po[i] = 2 * px[i] * pg[i] }
            case .pow(let p): for i in r { po[i] = pg[i] * p * Foundation.pow(px[i], p - 1) }
            case .clamp(let lo, let hi): for i in r { let v = px[i]; po[i] = (v >= lo && v <= hi) ? pg[i] : 0 }
            }
        }
        return [gx]
    }
}

@inline(__always)
func unary(_ kind: UnaryKind, _ x: Tensor) -> Tensor {
    let y = unaryForward(kind, x)
    return y.record([x]) { UnaryBackward(kind, x, y) }
}

extension Tensor {
    /// max(x, 0).
    public func relu() -> Tensor { unary(.relu, self) }
    /// 1 / (1 + e^−x), stable for large |x|.
    public func sigmoid() -> Tensor { unary(.sigmoid, self) }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { unary(.tanh, self) }
    /// eˣ.
    public func exp() -> Tensor { unary(.exp, self) }
    /// Natural logarithm.
    public func log() -> Tensor { unary(.log, self) }
    /// Square root.
    public func sqrt() -> Tensor { unary(.sqrt, self) }
    /// Absolute value.
    public func abs() -> Tensor { unary(.abs, self) }
    /// x².
    public func square() -> Tensor { unary(.square, self) }
    /// xᵖ.
    public func pow(_ p: Float) -> Tensor { p == 2 ? unary(.square, self) : unary(.pow(p), self) }
    /// Limits values to [low, high]; gradient flows inside the interval.
    public func clamp(min low: Float = -.infinity, max high: Float = .infinity) -> Tensor { unary(.clamp(low, high), self) }
}
