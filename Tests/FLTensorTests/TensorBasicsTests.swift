import XCTest
@testable import FLTensor

final class TensorBasicsTests: XCTestCase {
    func testShapeErrorsNameBothShapes() {
        let a = Tensor.zeros([2, 3]), b = Tensor.zeros([4, 5])
        XCTAssertThrowsError(try a + b) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains("[2, 3]") && m.contains("[4, 5]"), m)
        }
        XCTAssertThrowsError(try matmul(a, b)) { e in XCTAssertTrue("\(e)".contains("[2, 3] and [4, 5]"), "\(e)") }
        XCTAssertThrowsError(try linear(a, weight: b, bias: nil)) { e in XCTAssertTrue("\(e)".contains("[2, 3]"), "\(e)") }
        XCTAssertThrowsError(try conv2d(a, weight: b)) { e in XCTAssertTrue("\(e)".contains("[2, 3]"), "\(e)") }
        XCTAssertThrowsError(try a.reshaped([7])) { e in XCTAssertTrue("\(e)".contains("[2, 3] and [7]"), "\(e)") }
        XCTAssertThrowsError(try crossEntropy(a, [0, 5])) { e in XCTAssertTrue("\(e)".contains("label 5"), "\(e)") }
        XCTAssertThrowsError(try Tensor(shape: [2, 2], values: [1, 2, 3]))
        XCTAssertThrowsError(try a.sum(dim: 3)) { e in XCTAssertTrue("\(e)".contains("rank 2"), "\(e)") }
    }

    func testBroadcastShapesAndValues() throws {
        let a = try Tensor(shape: [2, 1, 3], values: [1, 2, 3, 4, 5, 6])
        let b = try Tensor(shape: [4, 1], values: [10, 20, 30, 40])
        let c = try a + b
        XCTAssertEqual(c.shape, [2, 4, 3])
        XCTAssertEqual(c[1, 2, 0], 34)
        XCTAssertEqual(c[0, 3, 2], 43)
        let s = try c.sum(dims: [0, 2])
        XCTAssertEqual(s.shape, [4])
        let expected: [Float] = [81, 141, 201, 261]
        XCTAssertEqual(s.toArray(), expected)
    }

    func testNoGradAndDetach() throws {
        let w = Tensor.ones([2], requiresGrad: true)
        let y = noGrad { w * 3 }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertNil(y.gradFn)
        let z = (w * 2).detach()
        XCTAssertFalse(z.requiresGrad)
        let u = (w * 2).sum()
        try u.backward()
        XCTAssertEqual(w.grad?.toArray(), [2, 2])
        // Gradients accumulate across backward calls.
        try (w * 5).sum().backward()
        XCTAssertEqual(w.grad?.toArray(), [7, 7])
    }

    func testSharedSubexpressionGradientsAccumulate() throws {
        let x = Tensor([2]).requiringGrad()
        let y = try x * x + x        // dy/dx = 2x + 1 = 5
        try y.sum().backward()
        XCTAssertEqual(x.grad?.toArray(), [5])
    }

    func testArgmaxTopkAndMask() throws {
        let t = try Tensor(shape: [2, 4], values: [1, 9, 3, 9, 0, -1, 5, 2])
        XCTAssertEqual(try t.argmax(), [1, 2])
        let (v, i) = try t.topk(2)
        XCTAssertEqual(v.toArray(), [9, 9, 5, 2])
        XCTAssertEqual(i, [[1, 3], [2, 3]])
        let m = try t.maskedFill(try Tensor(shape: [1, 4], values: [1, 0, 0, 0]), -100)
        XCTAssertEqual(m.toArray(), [-100, 9, 3, 9, -100, -1, 5, 2])
    }

    func testPrintingTruncatesLongTensors() {
        let t = Tensor.arange(2000)
        let s = t.description
        XCTAssertTrue(s.contains("..."), s)
        XCTAssertTrue(s.contains("1999."), s)
        XCTAssertTrue(s.contains("shape: [2000]"), s)
        XCTAssertEqual(Tensor(scalar: 2.5).description, "tensor(2.5000)")
    }

    func testRNGIsDeterministicAndSavable() {
        var a = RNG(seed: 42), b = RNG(seed: 42)
        XCTAssertEqual((0..<10).map { _ in a.next() }, (0..<10).map { _ in b.next() })
        var c = RNG(seed: 43)
        XCTAssertNotEqual(a.next(), c.next())
        let saved = a.state
        let x = a.uniform()
        var d = RNG(state: saved)
        XCTAssertEqual(d.uniform(), x)
        let p = a.permutation(50)
        XCTAssertEqual(p.sorted(), Array(0..<50))
        var e = RNG(seed: 5)
        let hits = (0..<20_000).filter { _ in e.bernoulli(0.3) }.count
        XCTAssertEqual(Double(hits) / 20_000, 0.3, accuracy: 0.02)
        var f = RNG(seed: 6)
        let normals = (0..<20_000).map { _ in Double(f.normal()) }
        let mean = normals.reduce(0, +) / 20_000
        let v = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20_000
        XCTAssertEqual(mean, 0, accuracy: 0.03); XCTAssertEqual(v, 1, accuracy: 0.05)
        var g = RNG(seed: 7)
        let u = (0..<20_000).map { _ in g.uniform() }
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(Double(u.reduce(0, +)) / 20_000, 0.5, accuracy: 0.01)
    }
}
