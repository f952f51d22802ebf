import XCTest
@testable import FLTensor

/// Every optimized kernel against the plain reference implementation: speed never costs
/// correctness.
final class FastPathTests: XCTestCase {
    override func tearDown() { ConvEngine.algorithm = .automatic }

    func conv(_ algorithm: ConvEngine.Algorithm, _ x: Tensor, _ w: Tensor, _ b: Tensor?, _ seed: Tensor) throws -> ([Float], [Float], [Float], [Float]?) {
        ConvEngine.algorithm = algorithm
        defer { ConvEngine.algorithm = .automatic }
        x.grad = nil; w.grad = nil; b?.grad = nil
        let y = try conv2d(x, weight: w, bias: b, stride: 1, padding: 1)
        try y.backward(seed: seed)
        return (y.toArray(), x.grad!.toArray(), w.grad!.toArray(), b?.grad?.toArray())
    }

    func testWinogradMatchesIm2colForwardAndBackward() throws {
        // Even and odd sizes, channel counts on both sides of the kernel tiles, a bias or not.
        // Widths ≥ 16 take the eight-tiles-per-vector path, with a tail when not a multiple of 16.
        for (i, c) in [(2, 4, 5, 8, 8), (3, 8, 4, 9, 11), (1, 16, 16, 8, 9), (2, 5, 9, 13, 6), (2, 4, 6, 17, 19), (1, 6, 4, 32, 32)].enumerated() {
            let (batch, cin, cout, h, w) = c
            let g = ConvGeometry(batch: batch, cin: cin, h: h, w: w, cout: cout, kh: 3, kw: 3, stride: 1, padding: 1)
            XCTAssertEqual(WinogradConv.applies(g), h * w >= 64, "case \(i): Winograd from 8×8 maps on")
            let x = randn([batch, cin, h, w], seed: 10 + UInt64(i))
            let wt = randn([cout, cin, 3, 3], seed: 20 + UInt64(i), scale: 0.3)
            let b: Tensor? = i % 2 == 0 ? randn([cout], seed: 30 + UInt64(i)) : nil
            let seed = randn([batch, cout, h, w], seed: 40 + UInt64(i), grad: false)
            let fast = try conv(.automatic, x, wt, b, seed)
            let ref = try conv(.im2col, x, wt, b, seed)
            func close(_ a: [Float], _ r: [Float], _ what: String) {
                XCTAssertEqual(a.count, r.count)
                let scale = max(1, r.map(abs).max() ?? 1)
                for j in 0..<a.count { XCTAssertEqual(a[j], r[j], accuracy: 1e-4 * scale, "case \(i) \(what)[\(j)]"); if abs(a[j] - r[j]) > 1e-4 * scale { return } }
            }
            close(fast.0, ref.0, "output")
            close(fast.1, ref.1, "dx")
            close(fast.2, ref.2, "dw")
            if let fb = fast.3, let rb = ref.3 { close(fb, rb, "db") }
        }
    }
}
