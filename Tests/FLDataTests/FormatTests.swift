import Foundation
import XCTest
import FLTensor
@testable import FLData

/// The byte-level formats under the readers: MD5, gzip, zip/npz, tar.
final class FormatTests: XCTestCase {
    func testMD5KnownVectorsAndTheShippedFile() throws {
        XCTAssertEqual(MD5.hex([]), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(MD5.hex(Array("abc".utf8)), "900150983cd24fb0d6963f7d28e17f72")
        XCTAssertEqual(MD5.hex(Array("The quick brown fox jumps over the lazy dog".utf8)), "9e107d9d372bb6826bd81d3542a419d6")
        // Lengths around the 55/56/64-byte padding boundaries, fed in uneven pieces.
        let long = Array((0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        var pieces = MD5()
        for chunk in stride(from: 0, to: long.count, by: 37) { long[chunk..<min(long.count, chunk + 37)].withUnsafeBytes { pieces.update($0) } }
        XCTAssertEqual(pieces.finalize(), MD5.hex(long))
        XCTAssertEqual(MD5.hex(Array(repeating: 0x61, count: 56)), "3b0c8ac703f828b04c6c197006d17218")
        // The published checksum of data/digits.csv.gz (data/README.md).
        XCTAssertEqual(try MD5.hex(ofFile: Fixtures.projectData.file("digits.csv.gz")), "9b335364a7bfd63947c7480a5bd51f2d")
    }

    func testGzipRoundTripsAndReadsConcatenatedMembers() throws {
        let text = Array(String(repeating: "0,1,2,3,16\n", count: 500).utf8)
        let gz = Zlib.compress(text, gzip: true)
        XCTAssertLessThan(gz.count, text.count / 10)
        XCTAssertEqual(try gz.withUnsafeBytes { try Zlib.gunzip($0, path: "a.gz") }, text)
        let two = Zlib.compress(Array("first ".utf8), gzip: true) + Zlib.compress(Array("second".utf8), gzip: true)
        XCTAssertEqual(try two.withUnsafeBytes { try Zlib.gunzip($0, path: "two.gz") }, Array("first second".utf8))
    }

    func testBrokenGzipIsAnErrorNotACrashOrHang() {
        let gz = Zlib.compress(Array((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }), gzip: true)
        let truncated = Array(gz.prefix(gz.count / 2))
        assertDataError(try truncated.withUnsafeBytes { try Zlib.gunzip($0, path: "cut.gz") }, contains: ["cut.gz", "truncated"])
        var corrupt = gz
        for i in 20..<60 { corrupt[i] ^= 0x5A }
        assertDataError(try corrupt.withUnsafeBytes { try Zlib.gunzip($0, path: "bad.gz") }, contains: ["bad.gz", "corrupt"])
    }

    /// `np.savez_compressed(b, x_train=np.arange(48, dtype=np.uint8).reshape(4, 2, 2, 3), y_train=np.array([1, 0, 1, 0]))`
    /// from NumPy 2.4: deflated members with zip64 local headers.
    static let numpyCompressedNPZ = "UEsDBC0AAAAIAAAAIQDbJt9V//////////8LABQAeF90cmFpbi5ucHkBABAAsAAAAAAAAAB5AAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loF5Taqiuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GiY6CkZgZKypo1CrQAbgYmBkYmZhZWPn4OTi5uHl4xcQFBIWERUTl5CUkpaRlZNXUFRSVlFVU9fQ1NLW0dXTBwBQSwMELQAAAAgAAAAhAF8QYgb//////////wsAFAB5X3RyYWluLm5weQEAEACgAAAAAAAAAEoAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNpoa6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaJjqaOgq1ChQALkYGVIDOBwBQSwECLQMtAAAACAAAACEA2ybfVXkAAACwAAAACwAAAAAAAAAAAAAAgAEAAAAAeF90cmFpbi5ucHlQSwECLQMtAAAACAAAACEAXxBiBkoAAACgAAAACwAAAAAAAAAAAAAAgAG2AAAAeV90cmFpbi5ucHlQSwUGAAAAAAIAAgByAAAAPQEAAAAA"

    func testReadsNPZWrittenByNumPy() throws {
        let dir = Fixtures.temporaryFolder()
        defer { Fixtures.remove(dir) }
        Fixtures.write(Array(Data(base64Encoded: FormatTests.numpyCompressedNPZ)!), to: dir + "/numpy.npz")
        let arrays = try NPZ.read(dir + "/numpy.npz")
        XCTAssertEqual(arrays.map(\.key), ["x_train", "y_train"])
        XCTAssertEqual(arrays[0].array.dtype, .uint8)
        XCTAssertEqual(arrays[0].array.shape, [4, 2, 2, 3])
        XCTAssertEqual(arrays[0].array.bytes, (0..<48).map { UInt8($0) })
        XCTAssertEqual(arrays[1].array.integers(), [1, 0, 1, 0])
        XCTAssertEqual(try NPZ.keys(dir + "/numpy.npz"), ["x_train", "y_train"])
    }

    func testNPZWriterRoundTripsStoredAndDeflated() throws {
        let dir = Fixtures.temporaryFolder()
        defer { Fixtures.remove(dir) }
        let arrays: [(String, NPYArray)] = [("images", NPYArray(float32: (0..<600).map { Float($0 % 7) }, shape: [6, 10, 10])),
                                            ("labels", NPYArray(int64: [0, 1, 2, 0, 1, 2], shape: [6]))]
        for compressed in [false, true] {
            let path = dir + "/a\(compressed).npz"
            try NPZ.write(arrays, to: path, compressed: compressed)
            let back = try NPZ.read(path)
            XCTAssertEqual(back.map(\.key), ["images", "labels"])
            XCTAssertEqual(back[0].array, arrays[0].1)
            XCTAssertEqual(back[1].array, arrays[1].1)
            XCTAssertEqual(try ZipArchive(path: path).entries.map(\.method), compressed ? [8, 8] : [0, 0])
        }
        assertDataError(try NPZ.array("missing", in: dir + "/atrue.npz"), contains: ["atrue.npz", "'missing'", "images, labels"])
    }

    func testBrokenZipArchivesAreReported() throws {
        let good = try NPZ.encode([("x", NPYArray(uint8: Array(repeating: 7, count: 100), shape: [100]))])
        var flipped = good
        flipped[120] ^= 0xFF  // inside the stored member: the CRC must catch it
        let dir = Fixtures.temporaryFolder()
        defer { Fixtures.remove(dir) }
        Fixtures.write(flipped, to: dir + "/crc.npz")
        Fixtures.write(Array(good.prefix(good.count - 30)), to: dir + "/cut.npz")
        Fixtures.write(Array("not a zip at all, just some text".utf8), to: dir + "/text.npz")
        assertDataError(try NPZ.read(dir + "/crc.npz"), contains: ["crc.npz:x.npy", "CRC-32 mismatch"])
        assertDataError(try NPZ.read(dir + "/cut.npz"), contains: ["cut.npz", "end-of-central-directory"])
        assertDataError(try NPZ.read(dir + "/text.npz"), contains: ["text.npz", "not a valid zip archive"])
        assertDataError(try NPZ.read(dir + "/absent.npz"), contains: ["absent.npz", "no such file"])
    }

    func testTarMembersAreFound() throws {
        let body = Array((0..<700).map { UInt8(truncatingIfNeeded: $0) })
        let archive = Fixtures.tar([("folder/a.bin", body), ("folder/b.txt", Array("hi".utf8))])
        let members = try archive.withUnsafeBytes { try TarArchive.members($0, path: "t.tar") }
        XCTAssertEqual(members.map(\.name), ["folder/a.bin", "folder/b.txt"])
        XCTAssertEqual(Array(archive[members[0].range]), body)
        XCTAssertEqual(Array(archive[members[1].range]), Array("hi".utf8))
        let cut = Array(archive.prefix(800))
        assertDataError(try cut.withUnsafeBytes { try TarArchive.members($0, path: "cut.tar") }, contains: ["cut.tar", "truncated"])
    }
}
