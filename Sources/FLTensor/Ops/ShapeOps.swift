import Foundation

final class ReshapeBackward: GradFunction {
    let inputs: [Tensor]
    init(_ x: Tensor) { inputs = [x] }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        [Tensor(shape: inputs[0].shape, storage: g.storage)]
    }
}

final class PermuteBackward: GradFunction {
    let inputs: [Tensor]
    let inverse: [Int]
    init(_ x: Tensor, _ perm: [Int]) {
        inputs = [x]
        var inv = [Int](repeating: 0, count: perm.count)
        for (i, p) in perm.enumerated() { inv[p] = i }
        inverse = inv
    }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] { [permuteCopy(g, inverse)] }
}

func permuteCopy(_ x: Tensor, _ perm: [Int]) -> Tensor {
    let inShape = x.shape
    let outShape = perm.map { inShape[$0] }
    let out = Tensor.empty(outShape)
    var inStrides = [Int](repeating: 1, count: inShape.count)
    var acc = 1
    for i in stride(from: inShape.count - 1, through: 0, by: -1) { inStrides[i] = acc; acc *= inShape[i] }
    let st = perm.map { inStrides[$0] }
    let n = out.count
    if n == 0 { return out }
    let px = x.data, po = out.data
    let rank = outShape.count
    if rank == 2 {
        let (r, c) = (outShape[0], outShape[1])
        let (s0, s1) = (st[0], st[1])
        // Blocked transpose for cache friendliness.
        let bs = 32
        for i0 in stride(from: 0, to: r, by: bs) {
            for j0 in stride(from: 0, to: c, by: bs) {
                for i in i0..<Swift.min(i0 + bs, r) {
                    for j in j0..<Swift.min(j0 + bs, c) { po[i * c + j] = px[i * s0 + j * s1] }
                }
            }
        }
        return out
    }
    var index = [Int](repeating: 0, count: rank)
    var off = 0
    let inner = outShape[rank - 1], sInner = st[rank - 1]
    var o = 0
    while o < n {
        for j in 0..<inner { po[o + j] = px[off + j * sInner] }
        o += inner
        var d = rank - 2
        while d >= 0 {
            index[d] += 1
            off += st[d]
            if index[d] < outShape[d] { break }
            off -= st[d] * outShape[d]
            index[d] = 0
            d -= 1
        }
    }
    return out
}

extension Tensor {
    /// Same elements, another shape (shares storage). One dimension may be -1.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var s = newShape
        let unknown = s.indices.filter { s[$0] == -1 }
        guard unknown.count <= 1, s.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.shapes("reshape", shape, newShape, "invalid target shape")
        }
        if let u = unknown.first {
            let known = s.enumerated().filter { $0.offset != u }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else { throw TensorError.shapes("reshape", shape, newShape, "sizes do not divide") }
            s[u] = count / known
        }
        guard s.reduce(1, *) == count else {
            throw TensorError.shapes("reshape", shape, newShape, "element counts differ")
        }
        let out = Tensor(shape: s, storage: storage)
        let x = self
        return out.record([x]) { ReshapeBackward(x) }
    }

    /// Collapses all dimensions after the first: [N, …] → [N, rest].
    public func flattened() -> Tensor {
        try! reshaped([shape.first ?? 1, -1])
    }

    /// Reorders dimensions (copying).
    public func permuted(_ perm: [Int]) throws -> Tensor {
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw TensorError("permute: \(perm) is not a permutation of the \(rank) dimensions of \(shapeString(shape))")
        }
        let out = permuteCopy(self, perm)
        let x = self
        return out.record([x]) { PermuteBackward(x, perm) }
    }

    /// Transpose of a matrix.
    public func transposed() throws -> Tensor {
        guard rank == 2 else { throw TensorError("transpose: needs a matrix, got shape \(shapeString(shape))") }
        return try permuted([1, 0])
    }
}

// MARK: - Concatenation and slicing

final class ConcatBackward: GradFunction {
    let inputs: [Tensor]
    let dim: Int
    init(_ xs: [Tensor], _ dim: Int) { inputs = xs; self.dim = dim }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        var start = 0
        var out: [Tensor?] = []
        for (i, x) in inputs.enumerated() {
            let len = x.shape[dim]
            out.append(needs[i] ? sliceCopy(g, dim: dim, start: start, length: len) : nil)
            start += len
        }
        return out
    }
}

func sliceCopy(_ x: Tensor, dim: Int, start: Int, length: Int, step: Int = 1) -> Tensor {
    let (outer, n, inner) = splitAround(x.shape, dim)
    var s = x.shape
    s[dim] = length
    let out = Tensor.empty(s)
    let px = x.data, po = out.data
    for o in 0..<outer {
        for k in 0..<length {
            (po + (o * length + k) * inner).update(from: px + (o * n + start + k * step) * inner, count: inner)
        }
    }
    return out
}

final class SliceBackward: GradFunction {
    let inputs: [Tensor]
    let dim: Int, start: Int, step: Int
    init(_ x: Tensor, _ dim: Int, _ start: Int, _ step: Int) { inputs = [x]; self.dim = dim; self.start = start; self.step = step }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = inputs[0]
        let gx = Tensor.zeros(x.shape)
        let (outer, n, inner) = splitAround(x.shape, dim)
        let length = g.shape[dim]
        let pg = g.data, po = gx.data
        for o in 0..<outer {
            for k in 0..<length {
                (po + (o * n + start + k * step) * inner).update(from: pg + (o * length + k) * inner, count: inner)
            }
        }
        return [gx]
    }
}

/// Joins tensors along `dim`; all other dimensions must agree.
public func concat(_ xs: [Tensor], dim: Int = 0) throws -> Tensor {
    guard let first = xs.first else { throw TensorError("concat: needs at least one tensor") }
    let d = try normalizeDim(dim, first.rank, "concat")
    var total = 0
    for x in xs {
        guard x.rank == first.rank else { throw TensorError.shapes("concat", first.shape, x.shape, "ranks differ") }
        for i in 0..<x.rank where i != d && x.shape[i] != first.shape[i] {
            throw TensorError.shapes("concat", first.shape, x.shape, "dimension \(i) differs")
        }
        total += x.shape[d]
    }
    var s = first.shape
    s[d] = total
    let out = Tensor.empty(s)
    let (outer, _, inner) = splitAround(s, d)
    var offset = 0
    for x in xs {
        let len = x.shape[d]
        for o in 0..<outer {
            (out.data + (o * total + offset) * inner).update(from: x.data + o * len * inner, count: len * inner)
        }
        offset += len
    }
    return out.record(xs) { ConcatBackward(xs, d) }
}

/// Stacks same-shape tensors along a new leading dimension.
public func stack(_ xs: [Tensor]) throws -> Tensor {
    guard let first = xs.first else { throw TensorError("stack: needs at least one tensor") }
    let parts = try xs.map { x -> Tensor in
        guard x.shape == first.shape else { throw TensorError.shapes("stack", first.shape, x.shape, "shapes differ") }
        return try x.reshaped([1] + x.shape)
    }
    return try concat(parts, dim: 0)
}

extension Tensor {
    /// Elements start..<end (step ≥ 1) along `dim`, copied.
    public func slice(dim: Int = 0, start: Int, end: Int, step: Int = 1) throws -> Tensor {
        let d = try normalizeDim(dim, rank, "slice")
        let n = shape[d]
        let lo = Swift.max(0, Swift.min(n, start < 0 ? start + n : start))
        let hi = Swift.max(lo, Swift.min(n, end < 0 ? end + n : end))
        guard step >= 1 else { throw TensorError("slice: step must be at least 1, got \(step)") }
        let length = (hi - lo + step - 1) / step
        let out = sliceCopy(self, dim: d, start: lo, length: length, step: step)
        let x = self
        return out.record([x]) { SliceBackward(x, d, lo, step) }
    }

    /// Rows (along `dim`) at the given indices, in order, repeats allowed.
    public func indexSelect(dim: Int = 0, _ indices: [Int]) throws -> Tensor {
        let d = try normalizeDim(dim, rank, "index_select")
        let n = shape[d]
        for i in indices where i < 0 || i >= n {
            throw TensorError("index_select: index \(i) out of range for dimension \(d) of size \(n) in \(shapeString(shape))")
        }
        let (outer, _, inner) = splitAround(shape, d)
        var s = shape
        s[d] = indices.count
        let out = Tensor.empty(s)
        let m = indices.count
        let px = data, po = out.data
        for o in 0..<outer {
            for (k, i) in indices.enumerated() {
                (po + (o * m + k) * inner).update(from: px + (o * n + i) * inner, count: inner)
            }
        }
        let x = self
        return out.record([x]) { IndexSelectBackward(x, d, indices) }
    }

    /// For a matrix [B, N], picks column `indices[b]` of each row b → [B].
    public func gatherColumns(_ indices: [Int]) throws -> Tensor {
        guard rank == 2 else { throw TensorError("gather: needs a matrix, got \(shapeString(shape))") }
        guard indices.count == shape[0] else {
            throw TensorError("gather: \(indices.count) indices for \(shape[0]) rows of \(shapeString(shape))")
        }
        let n = shape[1]
        for i in indices where i < 0 || i >= n { throw TensorError("gather: column \(i) out of range for \(shapeString(shape))") }
        let out = Tensor.empty([shape[0]])
        for (b, i) in indices.enumerated() { out.data[b] = data[b * n + i] }
        let x = self
        return out.record([x]) { GatherBackward(x, indices) }
    }
}

final class IndexSelectBackward: GradFunction {
    let inputs: [Tensor]
    let dim: Int
    let indices: [Int]
    init(_ x: Tensor, _ d: Int, _ idx: [Int]) { inputs = [x]; dim = d; indices = idx }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = inputs[0]
        let gx = Tensor.zeros(x.shape)
        let (outer, n, inner) = splitAround(x.shape, dim)
        let m = indices.count
        let pg = g.data, po = gx.data
        for o in 0..<outer {
            for (k, i) in indices.enumerated() {
                let dst = po + (o * n + i) * inner, src = pg + (o * m + k) * inner
                for j in 0..<inner { dst[j] += src[j] }
            }
        }
        return [gx]
    }
}

final class GatherBackward: GradFunction {
    let inputs: [Tensor]
    let indices: [Int]
    init(_ x: Tensor, _ idx: [Int]) { inputs = [x]; indices = idx }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = inputs[0]
        let gx = Tensor.zeros(x.shape)
        let n = x.shape[1]
        for (b, i) in indices.enumerated() { gx.data[b * n + i] += g.data[b] }
        return [gx]
    }
}

// MARK: - Masking and selection

final class MaskBackward: GradFunction {
    let inputs: [Tensor]
    let mask: Tensor     // 1 where the value was replaced
    init(_ x: Tensor, _ mask: Tensor) { inputs = [x]; self.mask = mask }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let gx = Tensor.empty(g.shape)
        let plan = BroadcastPlan(outShape: g.shape, operands: [mask.shape])
        let inner = plan.inner, s = plan.strides[0].last!
        let pm = mask.data, pg = g.data, po = gx.data
        for r in 0..<plan.rows {
            let mo = pm + plan.rowOffsets(r, 0)
            for i in 0..<inner {
                let k = r * inner + i
                po[k] = mo[i * s] != 0 ? 0 : pg[k]
            }
        }
        return [gx]
    }
}

extension Tensor {
    /// Replaces elements where `mask` (broadcastable, nonzero = replace) is set by `value`;
    /// no gradient flows to replaced elements.
    public func maskedFill(_ mask: Tensor, _ value: Float) throws -> Tensor {
        let s = try BroadcastPlan.resultShape("masked_fill", shape, mask.shape)
        guard s == shape else { throw TensorError.shapes("masked_fill", shape, mask.shape, "mask must broadcast to the tensor") }
        let out = Tensor.empty(shape)
        let plan = BroadcastPlan(outShape: shape, operands: [mask.shape])
        let inner = plan.inner, st = plan.strides[0].last!
        let pm = mask.data, px = data, po = out.data
        for r in 0..<plan.rows {
            let mo = pm + plan.rowOffsets(r, 0)
            for i in 0..<inner {
                let k = r * inner + i
                po[k] = mo[i * st] != 0 ? value : px[k]
            }
        }
        let x = self
        let m = mask.detach()
        return out.record([x]) { MaskBackward(x, m) }
    }

    /// The k largest values along the last dimension, largest first, with their indices.
    /// Gradients flow to the selected elements.
    public func topk(_ k: Int) throws -> (values: Tensor, indices: [[Int]]) {
        guard rank >= 1 else { throw TensorError("topk: needs at least one dimension") }
        let n = shape[rank - 1]
        guard k >= 0 && k <= n else { throw TensorError("topk: k = \(k) but the last dimension of \(shapeString(shape)) has \(n)") }
        let rows = count / Swift.max(n, 1)
        var all: [[Int]] = []
        var flat: [Int] = []
        all.reserveCapacity(rows)
        for r in 0..<rows {
            let base = data + r * n
            let order = (0..<n).sorted { a, b in base[a] > base[b] || (base[a] == base[b] && a < b) }
            let pick = Array(order.prefix(k))
            all.append(pick)
            flat.append(contentsOf: pick.map { r * n + $0 })
        }
        var s = shape
        s[rank - 1] = k
        let flatX = try reshaped([-1])
        let picked = try flatX.indexSelect(dim: 0, flat)
        return (try picked.reshaped(s), all)
    }
}
