import Foundation

/// Copies `x` broadcast into `shape` (the backward of a reduction).
func broadcastTo(_ x: Tensor, _ shape: [Int]) -> Tensor {
    if x.shape == shape { return x }
    let out = Tensor.empty(shape)
    let plan = BroadcastPlan(outShape: shape, operands: [x.shape])
    let inner = plan.inner
    let s = plan.strides[0].last!
    let px = x.data, po = out.data
    Parallel.ranges(plan.rows, grain: max(1, 65_536 / max(inner, 1))) { rr in
        for r in rr {
            let src = px + plan.rowOffsets(r, 0)
            let dst = po + r * inner
            if s == 0 { dst.update(repeating: src[0], count: inner) } else { dst.update(from: src, count: inner) }
        }
    }
    return out
}

final class SumBackward: GradFunction {
    let inputs: [Tensor]
    let keptShape: [Int]
    init(_ x: Tensor, _ keptShape: [Int]) { inputs = [x]; self.keptShape = keptShape }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let gk = Tensor(shape: keptShape, storage: g.storage)
        return [broadcastTo(gk, inputs[0].shape)]
    }
}

final class ExpandBackward: GradFunction {
    let inputs: [Tensor]
    init(_ x: Tensor) { inputs = [x] }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] { [reduceSum(g, to: inputs[0].shape)] }
}

/// The positions of `dim` in a shape of `rank` (negative counts from the end).
@inline(__always)
func normalizeDim(_ dim: Int, _ rank: Int, _ op: String) throws -> Int {
    let d = dim < 0 ? dim + rank : dim
    guard d >= 0 && d < max(rank, 1) else {
        throw TensorError("\(op): dimension \(dim) is out of range for a tensor of rank \(rank)")
    }
    return d
}

extension Tensor {
    /// Sum of all elements (a scalar).
    public func sum() -> Tensor {
        var total: Double = 0
        let p = data
        // Per-chunk partial sums in a fixed order keep the result deterministic.
        let chunk = 16_384
        let chunks = (count + chunk - 1) / chunk
        if chunks <= 1 {
            var s: Float = 0
            for i in 0..<count { s += p[i] }
            total = Double(s)
        } else {
            var partial = [Double](repeating: 0, count: chunks)
            partial.withUnsafeMutableBufferPointer { pp in
                let base = pp.baseAddress!
                Parallel.forEach(chunks) { c in
                    var s: Float = 0
                    let lo = c * chunk, hi = Swift.min(count, lo + chunk)
                    for i in lo..<hi { s += p[i] }
                    base[c] = Double(s)
                }
            }
            for v in partial { total += v }
        }
        let out = Tensor(shape: [], repeating: Float(total))
        let x = self
        return out.record([x]) { SumBackward(x, []) }
    }

    /// Mean of all elements.
    public func mean() -> Tensor { count == 0 ? Tensor(scalar: .nan) : sum() * (1 / Float(count)) }

    /// Sum over the given dimensions.
    public func sum(dims: [Int], keepDims: Bool = false) throws -> Tensor {
        var kept = shape
        var reduced = Set<Int>()
        for d in dims { let n = try normalizeDim(d, rank, "sum"); reduced.insert(n); kept[n] = 1 }
        let r = reduceSum(self, to: kept)
        let result = r === self ? clone() : r
        let finalShape = keepDims ? kept : shape.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
        let out = Tensor(shape: finalShape, storage: result.storage)
        let x = self
        return out.record([x]) { SumBackward(x, kept) }
    }

    /// Sum over one dimension.
    public func sum(dim: Int, keepDims: Bool = false) throws -> Tensor { try sum(dims: [dim], keepDims: keepDims) }

    /// Mean over the given dimensions.
    public func mean(dims: [Int], keepDims: Bool = false) throws -> Tensor {
        var n = 1
        for d in dims { n *= shape[try normalizeDim(d, rank, "mean")] }
        return try sum(dims: dims, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Mean over one dimension.
    public func mean(dim: Int, keepDims: Bool = false) throws -> Tensor { try mean(dims: [dim], keepDims: keepDims) }

    /// Broadcasts to a larger shape (copying); the gradient sums back.
    public func expand(to target: [Int]) throws -> Tensor {
        let s = try BroadcastPlan.resultShape("expand", shape, target)
        guard s == target else { throw TensorError.shapes("expand", shape, target, "cannot expand") }
        let out = broadcastTo(self, target)
        let result = out === self ? clone() : out
        let x = self
        return result.record([x]) { ExpandBackward(x) }
    }
}

/// Geometry [outer, n, inner] of a tensor around one dimension.
@inline(__always)
func splitAround(_ shape: [Int], _ d: Int) -> (outer: Int, n: Int, inner: Int) {
    (shape[..<d].reduce(1, *), shape[d], shape[(d + 1)...].reduce(1, *))
}

final class MaxBackward: GradFunction {
    let inputs: [Tensor]
    let indices: [Int32]
    let geometry: (outer: Int, n: Int, inner: Int)
    init(_ x: Tensor, _ indices: [Int32], _ g: (Int, Int, Int)) { inputs = [x]; self.indices = indices; geometry = g }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let gx = Tensor.zeros(inputs[0].shape)
        let (outer, n, inner) = geometry
        let pg = g.data, po = gx.data
        for o in 0..<outer {
            for i in 0..<inner {
                let k = Int(indices[o * inner + i])
                po[(o * n + k) * inner + i] += pg[o * inner + i]
            }
        }
        return [gx]
    }
}

extension Tensor {
    /// Largest value along `dim` and its index; the gradient goes to the chosen element
    /// (the first one on ties).
    public func max(dim: Int, keepDims: Bool = false) throws -> (values: Tensor, indices: [Int]) {
        let d = try normalizeDim(dim, rank, "max")
        guard shape[d] > 0 else { throw TensorError("max: dimension \(dim) of \(shapeString(shape)) is empty") }
        let geo = splitAround(shape, d)
        var outShape = shape
        if keepDims { outShape[d] = 1 } else { outShape.remove(at: d) }
        let out = Tensor.empty(outShape)
        var idx = [Int32](repeating: 0, count: geo.outer * geo.inner)
        let px = data, po = out.data
        idx.withUnsafeMutableBufferPointer { ib in
            for o in 0..<geo.outer {
                for i in 0..<geo.inner {
                    var best = px[o * geo.n * geo.inner + i]
                    var bi = 0
                    for k in 1..<geo.n {
                        let v = px[(o * geo.n + k) * geo.inner + i]
                        if v > best || (best.isNaN == false && v.isNaN) { best = v; bi = k }
                    }
                    po[o * geo.inner + i] = best
                    ib[o * geo.inner + i] = Int32(bi)
                }
            }
        }
        let x = self
        let frozen = idx
        let result = out.record([x]) { MaxBackward(x, frozen, geo) }
        return (result, idx.map(Int.init))
    }

    /// Index of the largest value along `dim` (default: the last).
    public func argmax(dim: Int = -1) throws -> [Int] {
        try noGrad { try max(dim: dim).indices }
    }

    /// Smallest value along `dim`.
    public func min(dim: Int, keepDims: Bool = false) throws -> (values: Tensor, indices: [Int]) {
        let r = try (-self).max(dim: dim, keepDims: keepDims)
        return (-r.values, r.indices)
    }

    /// Largest element of the whole tensor (no gradient).
    public func maxValue() -> Float {
        var m = -Float.infinity
        for i in 0..<count { m = Swift.max(m, data[i]) }
        return m
    }

    /// Smallest element of the whole tensor (no gradient).
    public func minValue() -> Float {
        var m = Float.infinity
        for i in 0..<count { m = Swift.min(m, data[i]) }
        return m
    }
}
