import Foundation

final class MatmulBackward: GradFunction {
    let inputs: [Tensor]
    init(_ a: Tensor, _ b: Tensor) { inputs = [a, b] }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let a = inputs[0], b = inputs[1]
        let m = a.shape[0], k = a.shape[1], n = b.shape[1]
        var ga: Tensor? = nil, gb: Tensor? = nil
        if needs[0] {   // dA = G · Bᵀ
            let t = Tensor.empty([m, k])
            sgemm(transB: true, m: m, n: k, k: n, a: g.data, b: b.data, c: t.data)
            ga = t
        }
        if needs[1] {   // dB = Aᵀ · G
            let t = Tensor.empty([k, n])
            sgemm(transA: true, m: k, n: n, k: m, a: a.data, b: g.data, c: t.data)
            gb = t
        }
        return [ga, gb]
    }
}

/// Matrix product of [M, K] and [K, N] through OpenBLAS.
public func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    guard a.rank == 2, b.rank == 2 else { throw TensorError.shapes("matmul", a.shape, b.shape, "both operands must be matrices") }
    guard a.shape[1] == b.shape[0] else { throw TensorError.shapes("matmul", a.shape, b.shape, "inner dimensions differ") }
    let m = a.shape[0], k = a.shape[1], n = b.shape[1]
    let out = Tensor.empty([m, n])
    sgemm(m: m, n: n, k: k, a: a.data, b: b.data, c: out.data)
    return out.record([a, b]) { MatmulBackward(a, b) }
}

final class LinearBackward: GradFunction {
    let inputs: [Tensor]
    let hasBias: Bool
    /// The output of a fused `linearReLU` (its storage only, not its graph), whose positive
    /// entries are where the gradient passes; nil for a plain `linear`.
    let reluOutput: Tensor?
    init(_ x: Tensor, _ w: Tensor, _ b: Tensor?, reluOutput: Tensor? = nil) {
        inputs = b.map { [x, w, $0] } ?? [x, w]; hasBias = b != nil
        self.reluOutput = reluOutput?.detach()
    }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = inputs[0], w = inputs[1]
        let batch = x.shape[0], fin = x.shape[1], fout = w.shape[0]
        let needBias = hasBias && needs[2]
        // dZ: the incoming gradient, masked by the ReLU when fused (a new tensor: `g` may be shared).
        let dz = reluOutput == nil ? g : Tensor.empty(g.shape)
        let pg = g.data, pz = dz.data, py = reluOutput?.data
        let dw = needs[1] ? Tensor.empty(w.shape) : nil
        let db = needBias ? Tensor.zeros([fout]) : nil
        // The ReLU mask, elementwise: in contiguous shares of the whole matrix, one per thread
        // when the layer splits (a split by the weight's columns would have both threads write
        // one cache line per row), so any split gives the same numbers.
        let blocks = needs[1] ? linearBlocks(batch: batch, fin: fin, fout: fout) : [0..<fout]
        if let py {
            let n = g.count
            Parallel.ranges(n, grain: blocks.count > 1 ? n / blocks.count : 32_768) { r in for k in r { pz[k] = py[k] > 0 ? pg[k] : 0 } }
        }
        // The bias gradient of output features r, summed over the batch in row order (as one
        // loop over the whole matrix would), in a local buffer written once.
        @inline(__always) func biasColumns(_ r: Range<Int>) {
            guard let db else { return }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: r.count) { acc in
                let a = acc.baseAddress!
                a.initialize(repeating: 0, count: r.count)
                for row in 0..<batch { let z = pz + row * fout + r.lowerBound; for j in 0..<r.count { a[j] += z[j] } }
                (db.data + r.lowerBound).update(from: a, count: r.count)
            }
        }
        if blocks.count > 1, let dw {
            // Rows of dW (dZᵀ·X, [out,B]·[B,in]) and of the bias gradient on the threads that own
            // those rows of W (see weightRowBlocks).
            Parallel.forEach(blocks.count) { i in
                let r = blocks[blocks.count - 1 - i]   // the caller starts first: it takes the last block (52 of 100 rows)
                sgemmSerial(true, false, r.count, fin, batch, 1, pz + r.lowerBound, fout, x.data, fin, 0, dw.data + r.lowerBound * fin, fin)
                biasColumns(r)
            }
        } else {
            if let dw { sgemm(transA: true, m: fout, n: fin, k: batch, a: pz, b: x.data, c: dw.data) }
            biasColumns(0..<fout)
        }
        var out: [Tensor?] = [nil, dw]
        if needs[0] {   // dX = dZ · W   ([B,out]·[out,in])
            let t = Tensor.empty(x.shape)
            sgemm(m: batch, n: fin, k: fout, a: pz, b: w.data, c: t.data)
            out[0] = t
        }
        if hasBias { out.append(db) }
        withExtendedLifetime(dz) {}   // its buffer is used through `pz` up to here
        return out
    }
}

/// The weight-row blocks a linear layer's products split on, or one block when the product
/// is too small to split (below `BLASThreading.parallelThreshold` multiply-adds). The same
/// blocks on any number of threads (one thread runs them in turn), so the same numbers.
@inline(__always)
func linearBlocks(batch: Int, fin: Int, fout: Int) -> [Range<Int>] {
    guard BLASThreading.weightRowAffinity, batch * fin * fout >= BLASThreading.parallelThreshold else { return [0..<fout] }
    return BLASThreading.weightRowBlocks(rows: fout, columns: fin)
}

/// y = x·Wᵀ + b for x [B, in], W [out, in], b [out] (PyTorch's layout), one GEMM.
public func linear(_ x: Tensor, weight w: Tensor, bias b: Tensor?) throws -> Tensor {
    try linearOp(x, weight: w, bias: b, relu: false)
}

/// relu(x·Wᵀ + b) as one op: the same numbers as `linear(x, weight:, bias:).relu()`, bit for
/// bit, in fewer passes. Each thread applies the ReLU to the output columns it has just
/// computed (its weight rows, in a training step), and the backward masks the gradient, sums
/// the bias gradient and forms the weight gradient in one pass per block of weight rows,
/// instead of three serial elementwise passes and two more tensors per layer. Like `sigmoid`
/// and `tanh`, its backward reads the output (y > 0 exactly where z > 0), so writing into the
/// output before `backward()` changes the gradient.
public func linearReLU(_ x: Tensor, weight w: Tensor, bias b: Tensor?) throws -> Tensor {
    try linearOp(x, weight: w, bias: b, relu: true)
}

func linearOp(_ x: Tensor, weight w: Tensor, bias b: Tensor?, relu: Bool) throws -> Tensor {
    let name = relu ? "linearReLU" : "linear"
    guard x.rank == 2, w.rank == 2 else { throw TensorError.shapes(name, x.shape, w.shape, "input and weight must be matrices") }
    guard x.shape[1] == w.shape[1] else {
        throw TensorError.shapes(name, x.shape, w.shape, "input features differ from the weight's in-features")
    }
    if let b, b.shape != [w.shape[0]] {
        throw TensorError.shapes(name, w.shape, b.shape, "bias must have one value per output")
    }
    let batch = x.shape[0], fout = w.shape[0], fin = x.shape[1]
    let out = Tensor.empty([batch, fout])
    let po = out.data
    // Split on the weight's rows only in a training step (the weight trains, so its rows stay
    // with their threads from the forward product through the update); an inference pass
    // reads fixed weights that sit in both caches, and splitting the batch keeps each
    // thread on its own input rows (measured on the MLP: eval 0.85× with the row split).
    let blocks = GradMode.enabled && w.requiresGrad ? linearBlocks(batch: batch, fin: fin, fout: fout) : [0..<fout]
    if blocks.count > 1 {
        // Each thread computes the output columns of the weight rows it owns.
        let px = x.data, pw = w.data, pb = b?.data
        Parallel.forEach(blocks.count) { i in
            let r = blocks[blocks.count - 1 - i], lo = r.lowerBound   // the caller starts first: it takes the last block (52 of 100 rows)
            if let pb {
                for row in 0..<batch { (po + row * fout + lo).update(from: pb + lo, count: r.count) }
            }
            sgemmSerial(false, true, batch, r.count, fin, 1, px, fin, pw + lo * fin, fin, pb == nil ? 0 : 1, po + lo, fout)
            if relu {
                for row in 0..<batch { let p = po + row * fout; for j in r { let v = p[j]; p[j] = v > 0 ? v : 0 } }
            }
        }
    } else {
        if let b {
            let pb = b.data
            for r in 0..<batch { (po + r * fout).update(from: pb, count: fout) }
            sgemm(transB: true, m: batch, n: fout, k: fin, a: x.data, b: w.data, beta: 1, c: po)
        } else {
            sgemm(transB: true, m: batch, n: fout, k: fin, a: x.data, b: w.data, c: po)
        }
        if relu {
            Parallel.ranges(batch * fout, grain: 32_768) { r in for i in r { let v = po[i]; po[i] = v > 0 ? v : 0 } }
        }
    }
    let inputs = b.map { [x, w, $0] } ?? [x, w]
    return out.record(inputs) { LinearBackward(x, w, b, reluOutput: relu ? out : nil) }
}
