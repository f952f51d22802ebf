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
    init(_ x: Tensor, _ w: Tensor, _ b: Tensor?) { inputs = b.map { [x, w, $0] } ?? [x, w]; hasBias = b != nil }
    func backward(_ g: Tensor, needs: [Bool]) -> [Tensor?] {
        let x = inputs[0], w = inputs[1]
        let batch = x.shape[0], fin = x.shape[1], fout = w.shape[0]
        var out: [Tensor?] = [nil, nil]
        if needs[0] {   // dX = G · W   ([B,out]·[out,in])
            let t = Tensor.empty(x.shape)
            sgemm(m: batch, n: fin, k: fout, a: g.data, b: w.data, c: t.data)
            out[0] = t
        }
        if needs[1] {   // dW = Gᵀ · X  ([out,B]·[B,in])
            let t = Tensor.empty(w.shape)
            sgemm(transA: true, m: fout, n: fin, k: batch, a: g.data, b: x.data, c: t.data)
            out[1] = t
        }
        if hasBias {
            if needs[2] {
                let t = Tensor.zeros([fout])
                let pg = g.data, pt = t.data
                for r in 0..<batch { let row = pg + r * fout; for j in 0..<fout { pt[j] += row[j] } }
                out.append(t)
            } else { out.append(nil) }
        }
        return out
    }
}

/// y = x·Wᵀ + b for x [B, in], W [out, in], b [out] (PyTorch's layout), one GEMM.
public func linear(_ x: Tensor, weight w: Tensor, bias b: Tensor?) throws -> Tensor {
    guard x.rank == 2, w.rank == 2 else { throw TensorError.shapes("linear", x.shape, w.shape, "input and weight must be matrices") }
    guard x.shape[1] == w.shape[1] else {
        throw TensorError.shapes("linear", x.shape, w.shape, "input features differ from the weight's in-features")
    }
    if let b, b.shape != [w.shape[0]] {
        throw TensorError.shapes("linear", w.shape, b.shape, "bias must have one value per output")
    }
    let batch = x.shape[0], fout = w.shape[0]
    let out = Tensor.empty([batch, fout])
    if let b {
        let po = out.data, pb = b.data
        for r in 0..<batch { (po + r * fout).update(from: pb, count: fout) }
        sgemm(transB: true, m: batch, n: fout, k: x.shape[1], a: x.data, b: w.data, beta: 1, c: out.data)
    } else {
        sgemm(transB: true, m: batch, n: fout, k: x.shape[1], a: x.data, b: w.data, c: out.data)
    }
    let inputs = b.map { [x, w, $0] } ?? [x, w]
    return out.record(inputs) { LinearBackward(x, w, b) }
}
