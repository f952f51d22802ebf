import XCTest
@testable import FLTensor

/// Finite-difference gradient checking: the analytic gradient of L = Σ f(x)·R (R random) is
/// compared with central differences (L(x+ε) − L(x−ε)) / 2ε, with L accumulated in Float64.
/// The ops compute in Float32, so ε is moderate and tolerances account for Float32 rounding.
struct GradChecker {
    var eps: Float = 1e-2
    var rtol: Double = 2e-2
    var atol: Double = 2e-3
    var seed: UInt64 = 7
    /// At most this many elements per input are perturbed (evenly spaced).
    var maxElements = Int.max

    func loss(_ out: Tensor, _ r: [Float]) -> Double {
        var s: Double = 0
        for i in 0..<out.count { s += Double(out.data[i]) * Double(r[i]) }
        return s
    }

    /// Checks every input that requires grad; returns the worst mismatch for reporting.
    func check(_ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line,
               _ f: ([Tensor]) throws -> Tensor) throws {
        var rng = RNG(seed: seed)
        let out0 = try f(inputs)
        let r = (0..<out0.count).map { _ in rng.uniform(-1, 1) }
        for x in inputs { x.grad = nil }
        let seedT = try Tensor(shape: out0.shape, values: r)
        try out0.backward(seed: seedT)
        for (k, x) in inputs.enumerated() where x.requiresGrad {
            guard let g = x.grad else { XCTFail("input \(k): no gradient", file: file, line: line); continue }
            XCTAssertEqual(g.shape, x.shape, file: file, line: line)
            let stride = max(1, x.count / max(1, min(maxElements, x.count)))
            for i in Swift.stride(from: 0, to: x.count, by: stride) {
                let orig = x.data[i]
                x.data[i] = orig + eps
                let lp = try noGrad { loss(try f(inputs), r) }
                x.data[i] = orig - eps
                let lm = try noGrad { loss(try f(inputs), r) }
                x.data[i] = orig
                let numeric = (lp - lm) / (2 * Double(eps))
                let analytic = Double(g.data[i])
                let tol = atol + rtol * max(abs(numeric), abs(analytic))
                if abs(numeric - analytic) > tol {
                    XCTFail("input \(k) element \(i): analytic \(analytic) vs numeric \(numeric)", file: file, line: line)
                    return
                }
            }
        }
    }
}

/// Random tensor helpers for tests.
func randn(_ shape: [Int], seed: UInt64, grad: Bool = true, scale: Float = 1) -> Tensor {
    var rng = RNG(seed: seed)
    let t = Tensor.normal(shape, std: scale, rng: &rng)
    t.requiresGrad = grad
    return t
}

/// Random values kept away from zero (for kinks of relu/abs/max).
func randAway(_ shape: [Int], seed: UInt64, gap: Float = 0.1) -> Tensor {
    var rng = RNG(seed: seed)
    let t = Tensor.empty(shape)
    for i in 0..<t.count {
        let v = rng.uniform(gap, 1.5)
        t.data[i] = rng.bernoulli(0.5) ? v : -v
    }
    t.requiresGrad = true
    return t
}

/// Distinct values (for max/topk so ties cannot flip under ε).
func randDistinct(_ shape: [Int], seed: UInt64, spacing: Float = 0.1) -> Tensor {
    var rng = RNG(seed: seed)
    let n = shape.reduce(1, *)
    let perm = rng.permutation(n)
    let t = Tensor.empty(shape)
    for i in 0..<n { t.data[i] = Float(perm[i]) * spacing - Float(n) * spacing / 2 }
    t.requiresGrad = true
    return t
}
