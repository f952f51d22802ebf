import XCTest
@testable import FLTensor

/// Kernels rewritten for speed that must keep every value and every index exactly: max pooling
/// (values and the argmax its gradient follows) and the per-channel sums of the bias gradient.
final class ExactKernelTests: XCTestCase {
    private var savedThreads = 1
    override func setUp() { savedThreads = Parallel.threads }
    override func tearDown() { Parallel.threads = savedThreads }

    /// Max pooling as the definition: first maximum in scan order wins (strict >).
    private func naivePool(_ x: [Float], _ shape: [Int], k: Int, s: Int) -> (values: [Float], grad: [Float]) {
        let (b, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let ho = (h - k) / s + 1, wo = (w - k) / s + 1
        var out = [Float](), grad = [Float](repeating: 0, count: x.count)
        for pl in 0..<(b * c) { for oy in 0..<ho { for ox in 0..<wo {
            var best = -Float.infinity, at = pl * h * w + oy * s * w + ox * s
            for ky in 0..<k { for kx in 0..<k {
                let i = pl * h * w + (oy * s + ky) * w + ox * s + kx
                if x[i] > best { best = x[i]; at = i }
            } }
            out.append(best)
            grad[at] += 1
        } } }
        return (out, grad)
    }

    func testMaxPoolKeepsValuesAndArgmaxExactly() throws {
        // Widths with 8-window vector bodies and tails; ties, -inf and NaN inputs.
        for (i, shape) in [[2, 3, 28, 28], [1, 2, 14, 14], [2, 2, 33, 35], [1, 1, 32, 32], [3, 2, 2, 2], [1, 2, 16, 17]].enumerated() {
            var values = randn(shape, seed: 700 + UInt64(i), grad: false).toArray().map { ($0 * 4).rounded() / 4 }   // many ties
            for j in stride(from: 5, to: values.count, by: 37) { values[j] = -.infinity }
            for j in stride(from: 11, to: values.count, by: 53) { values[j] = .nan }
            if values.count >= 8 { for j in 0..<8 { values[j] = -.infinity } }    // a whole window of -inf
            for threads in [1, 2] {
                Parallel.threads = threads
                for (k, s) in [(2, 2), (3, 2), (2, 1)] where shape[2] >= k && shape[3] >= k {
                    let x = try Tensor(shape: shape, values: values, requiresGrad: true)
                    let y = try maxPool2d(x, kernel: k, stride: s)
                    try y.sum().backward()
                    let ref = naivePool(values, shape, k: k, s: s)
                    XCTAssertEqual(y.toArray().map(\.bitPattern), ref.values.map(\.bitPattern), "case \(i) \(shape) k\(k) s\(s) \(threads) threads: values")
                    XCTAssertEqual(x.grad!.toArray(), ref.grad, "case \(i) \(shape) k\(k) s\(s): the gradient goes to the first maximum")
                }
            }
        }
    }

    func testChannelSumsAreTheSequentialSums() {
        for (i, shape) in [[4, 6, 28, 28], [32, 64, 14, 14], [3, 5, 1, 1], [1, 300, 2, 2]].enumerated() {
            let t = randn(shape, seed: 800 + UInt64(i), grad: false)
            let (b, c) = (shape[0], shape[1]), plane = shape[2] * shape[3]
            let v = t.toArray()
            var ref = [Float](repeating: 0, count: c)
            for ci in 0..<c { var s: Float = 0; for bi in 0..<b { for j in 0..<plane { s += v[(bi * c + ci) * plane + j] } }; ref[ci] = s }
            for threads in [1, 2] {
                Parallel.threads = threads
                XCTAssertEqual(channelSums(t).toArray().map(\.bitPattern), ref.map(\.bitPattern), "case \(i), \(threads) threads")
            }
        }
    }
}
