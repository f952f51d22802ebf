import Foundation

/// Row-wise (last dimension) softmax helpers over [rows, n].
@inline(__always)
func rowsAndWidth(_ t: Tensor) -> (Int, Int) {
    let n = t.shape.last ?? 1
    return (t.count / Swift.max(n, 1), n)
}

final class LogSoftmaxBackward: GradFunction {
    let inputs: [Tensor]
    let output: Tensor
    init(_ x: Tensor, _ y: Tensor) { inputs = [x]; output = y.detach() }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        // dx = g − softmax · Σg
        let (rows, n) = rowsAndWidth(g)
        let gx = Tensor.empty(g.shape)
        let pg = g.data, py = output.data, po = gx.data
        for r in 0..<rows {
            var s: Float = 0
            for j in 0..<n { s += pg[r * n + j] }
            for j in 0..<n { po[r * n + j] = pg[r * n + j] - Foundation.exp(py[r * n + j]) * s }
        }
        return [gx]
    }
}

final class SoftmaxBackward: GradFunction {
    let inputs: [Tensor]
    let output: Tensor
    init(_ x: Tensor, _ y: Tensor) { inputs = [x]; output = y.detach() }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        // dx = y ⊙ (g − Σ g⊙y)
        let (rows, n) = rowsAndWidth(g)
        let gx = Tensor.empty(g.shape)
        let pg = g.data, py = output.data, po = gx.data
        for r in 0..<rows {
            var s: Float = 0
            for j in 0..<n { s += pg[r * n + j] * py[r * n + j] }
            for j in 0..<n { po[r * n + j] = py[r * n + j] * (pg[r * n + j] - s) }
        }
        return [gx]
    }
}

extension Tensor {
    /// log-softmax over the last dimension (stable).
    public func logSoftmax() throws -> Tensor {
        guard rank >= 1 else { throw TensorError("log_softmax: needs at least one dimension") }
        let (rows, n) = rowsAndWidth(self)
        let out = Tensor.empty(shape)
        let px = data, po = out.data
        for r in 0..<rows {
            let row = px + r * n
            var m = -Float.infinity
            for j in 0..<n { m = Swift.max(m, row[j]) }
            var s: Float = 0
            for j in 0..<n { s += Foundation.exp(row[j] - m) }
            let lse = m + Foundation.log(s)
            for j in 0..<n { po[r * n + j] = row[j] - lse }
        }
        let x = self
        return out.record([x]) { LogSoftmaxBackward(x, out) }
    }

    /// Softmax over the last dimension (stable).
    public func softmax() throws -> Tensor {
        guard rank >= 1 else { throw TensorError("softmax: needs at least one dimension") }
        let (rows, n) = rowsAndWidth(self)
        let out = Tensor.empty(shape)
        let px = data, po = out.data
        for r in 0..<rows {
            let row = px + r * n
            var m = -Float.infinity
            for j in 0..<n { m = Swift.max(m, row[j]) }
            var s: Float = 0
            for j in 0..<n { let e = Foundation.exp(row[j] - m); po[r * n + j] = e; s += e }
            let inv = 1 / s
            for j in 0..<n { po[r * n + j] *= inv }
        }
        let x = self
        return out.record([x]) { SoftmaxBackward(x, out) }
    }
}
