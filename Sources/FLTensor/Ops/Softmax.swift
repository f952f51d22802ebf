import Foundation

/// Row-wise (last dimension) softmax helpers over [rows, n].
@inline(__always)
func rowsAndWidth(_ t: Tensor) -> (Int, Int) {
    let n = t.shape.last ?? 1
    return (t.count / Swift.max(n, 1), n)
}

/// The backward of softmax (dx = y ⊙ (g − Σ g⊙y)) and of log-softmax (dx = g − softmax · Σg),
/// from the saved output y.
final class SoftmaxBackward: GradFunction {
    let inputs: [Tensor]
    let output: Tensor
    let log: Bool
    init(_ x: Tensor, _ y: Tensor, log: Bool) { inputs = [x]; output = y.detach(); self.log = log }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let (rows, n) = rowsAndWidth(g)
        let gx = Tensor.empty(g.shape)
        for r in 0..<rows {
            let gr = g.data + r * n, yr = output.data + r * n, xr = gx.data + r * n
            var s: Float = 0
            if log {
                for j in 0..<n { s += gr[j] }
                for j in 0..<n { xr[j] = gr[j] - Foundation.exp(yr[j]) * s }
            } else {
                for j in 0..<n { s += gr[j] * yr[j] }
                for j in 0..<n { xr[j] = yr[j] * (gr[j] - s) }
            }
        }
        return [gx]
    }
}

extension Tensor {
    /// log-softmax over the last dimension (stable).
    public func logSoftmax() throws -> Tensor { try softmaxOverRows(log: true) }

    /// Softmax over the last dimension (stable).
    public func softmax() throws -> Tensor { try softmaxOverRows(log: false) }

    /// Softmax or log-softmax of each row, the row's maximum subtracted first.
    private func softmaxOverRows(log: Bool) throws -> Tensor {
        guard rank >= 1 else { throw TensorError("\(log ? "log_softmax" : "softmax"): needs at least one dimension") }
        let (rows, n) = rowsAndWidth(self)
        let out = Tensor.empty(shape)
        for r in 0..<rows {
            let row = data + r * n, o = out.data + r * n
            var m = -Float.infinity
            for j in 0..<n { m = Swift.max(m, row[j]) }
            var s: Float = 0
            if log {
                for j in 0..<n { s += Foundation.exp(row[j] - m) }
                let lse = m + Foundation.log(s)
                for j in 0..<n { o[j] = row[j] - lse }
            } else {
                for j in 0..<n { let e = Foundation.exp(row[j] - m); o[j] = e; s += e }
                let inv = 1 / s
                for j in 0..<n { o[j] *= inv }
            }
        }
        let x = self
        return out.record([x]) { SoftmaxBackward(x, out, log: log) }
    }
}
