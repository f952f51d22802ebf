import XCTest
import Foundation
@testable import FLTensor

final class SafetensorsTests: XCTestCase {
    var dir: String!
    override func setUp() {
        dir = NSTemporaryDirectory() + "flnb-st-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testRoundTripIsBitExact() throws {
        var rng = RNG(seed: 1)
        let net = ResNet18(nf: 4, classes: 7, rng: &rng)
        // Special values survive too.
        net.conv1.weight.data[0] = .nan
        net.conv1.weight.data[1] = -.infinity
        net.conv1.weight.data[2] = -0.0
        net.conv1.weight.data[3] = .leastNonzeroMagnitude
        let path = dir + "/m.safetensors"
        try net.save(to: path, metadata: ["flnb": flnbVersion])
        let (tensors, meta) = try Safetensors.read(path)
        XCTAssertEqual(meta["flnb"], flnbVersion)
        let orig = net.stateDict()
        XCTAssertEqual(tensors.map(\.0), orig.map(\.0))
        for ((_, a), (_, b)) in zip(orig, tensors) {
            XCTAssertEqual(a.shape, b.shape)
            for i in 0..<a.count { XCTAssertEqual(a.data[i].bitPattern, b.data[i].bitPattern) }
        }
        var rng2 = RNG(seed: 2)
        let other = ResNet18(nf: 4, classes: 7, rng: &rng2)
        try other.load(from: path)
        for ((_, a), (_, b)) in zip(orig, other.stateDict()) {
            for i in 0..<a.count { XCTAssertEqual(a.data[i].bitPattern, b.data[i].bitPattern) }
        }
        // Header is 8-byte aligned as the format requires.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(n % 8, 0)
    }

    func testBadFilesGiveClearErrors() throws {
        let missing = dir + "/none.safetensors"
        XCTAssertThrowsError(try Safetensors.read(missing)) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }
        let t = [("w", Tensor.ones([4, 4]))]
        let good = Safetensors.encode(t)
        // Truncated data.
        let p1 = dir + "/trunc.safetensors"
        try good.prefix(good.count - 10).write(to: URL(fileURLWithPath: p1))
        XCTAssertThrowsError(try Safetensors.read(p1)) { e in
            XCTAssertTrue("\(e)".contains(p1) && "\(e)".contains("truncated"), "\(e)")
        }
        // Garbage header length.
        let p2 = dir + "/garbage.safetensors"
        try Data([1, 2, 3, 4, 5, 6, 7, 8, 9]).write(to: URL(fileURLWithPath: p2))
        XCTAssertThrowsError(try Safetensors.read(p2)) { XCTAssertTrue("\($0)".contains("header length"), "\($0)") }
        // Too short.
        let p3 = dir + "/short.safetensors"
        try Data([1, 2]).write(to: URL(fileURLWithPath: p3))
        XCTAssertThrowsError(try Safetensors.read(p3)) { XCTAssertTrue("\($0)".contains("at least 8 bytes"), "\($0)") }
        // Header not JSON.
        var bad = Data()
        var len = UInt64(8).littleEndian
        withUnsafeBytes(of: &len) { bad.append(contentsOf: $0) }
        bad.append(contentsOf: Array("notjson!".utf8))
        let p4 = dir + "/nojson.safetensors"
        try bad.write(to: URL(fileURLWithPath: p4))
        XCTAssertThrowsError(try Safetensors.read(p4)) { XCTAssertTrue("\($0)".contains("JSON"), "\($0)") }
        // Loading into a model with other names says which.
        let p5 = dir + "/other.safetensors"
        try Safetensors.write(t, to: p5)
        var rng = RNG(seed: 1)
        XCTAssertThrowsError(try MLP(inputs: 4, hidden: [4], classes: 2, rng: &rng).load(from: p5)) {
            XCTAssertTrue("\($0)".contains("missing"), "\($0)")
        }
    }

    func testAtomicWriteKeepsOldFileWhenFolderMissing() throws {
        let p = dir + "/x.txt"
        try AtomicFile.write("one", to: p)
        try AtomicFile.write("two", to: p)
        XCTAssertEqual(try String(contentsOfFile: p, encoding: .utf8), "two")
        XCTAssertThrowsError(try AtomicFile.write("z", to: dir + "/nope/x.txt"))
        // No temporary files left behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        XCTAssertTrue(left.isEmpty)
    }
}
