import Foundation
import XCTest
@testable import FLTensor

/// `.npy` reading and writing: every supported dtype round-trips, files written by NumPy itself
/// decode to the right values, and broken files give errors that name the file and the problem.
final class NPYTests: XCTestCase {
    // Written by NumPy 2.4 (`np.save`), base64-encoded.
    /// (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3)
    static let numpyFloat32 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIC/AAAAvwAAAAAAAAA/AACAPwAAwD8="
    /// np.array([[1, -2], [300, 4]], dtype=np.int64)
    static let numpyInt64 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAAAAAP7/////////LAEAAAAAAAAEAAAAAAAAAA=="
    /// np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3))
    static let numpyFortran = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAhAAAAAAAAA8D8AAAAAAAAQQAAAAAAAAABAAAAAAAAAFEA="

    static func bytes(_ base64: String) -> [UInt8] { Array(Data(base64Encoded: base64)!) }

    func testReadsFilesWrittenByNumPy() throws {
        let f = try NPY.decode(NPYTests.bytes(NPYTests.numpyFloat32), path: "f32.npy")
        XCTAssertEqual(f.dtype, .float32)
        XCTAssertEqual(f.shape, [2, 3])
        XCTAssertEqual(f.floats(), [-1, -0.5, 0, 0.5, 1, 1.5])
        let t = f.tensor()
        XCTAssertEqual(t.shape, [2, 3])
        XCTAssertEqual(t[1, 2], 1.5)

        let i = try NPY.decode(NPYTests.bytes(NPYTests.numpyInt64), path: "i64.npy")
        XCTAssertEqual(i.dtype, .int64)
        XCTAssertEqual(i.integers(), [1, -2, 300, 4])
    }

    func testOurBytesMatchNumPyByteForByte() throws {
        // NumPy's own header layout (version 1.0, padded to 64 bytes) for the same array.
        let ours = NPY.encode(NPYArray(float32: [-1, -0.5, 0, 0.5, 1, 1.5], shape: [2, 3]))
        XCTAssertEqual(ours, NPYTests.bytes(NPYTests.numpyFloat32))
    }

    func testEveryDTypeRoundTrips() throws {
        let arrays: [NPYArray] = [
            NPYArray(float32: [1.5, -2, .infinity], shape: [3]),
            NPYArray(float64: [1e-300, -2.25], shape: [2, 1]),
            NPYArray(uint8: [0, 7, 255, 128], shape: [2, 2]),
            NPYArray(int64: [-5, Int(Int32.max) + 10], shape: [2]),
            NPYArray(int32: [-7, 9, 11], shape: [1, 3]),
            NPYArray(int16: [-300, 300], shape: [2]),
            NPYArray(bool: [true, false, true], shape: [3]),
            NPYArray(float32: [42], shape: []),
            NPYArray(float32: [], shape: [0, 4]),
        ]
        for array in arrays {
            let back = try NPY.decode(NPY.encode(array), path: "mem.npy")
            XCTAssertEqual(back, array, "\(array.dtype) \(array.shape)")
            XCTAssertEqual(NPY.encode(array).count % 64, array.bytes.count % 64, "data starts on a 64-byte boundary")
        }
        XCTAssertEqual(NPYArray(int16: [-300, 300], shape: [2]).floats(), [-300, 300])
        XCTAssertEqual(NPYArray(bool: [true, false], shape: [2]).integers(), [1, 0])
        XCTAssertEqual(NPYArray(float64: [3, 4], shape: [2]).integers(), [3, 4])
        XCTAssertNil(NPYArray(float32: [3.5], shape: [1]).integers(), "non-integral floats are not labels")
    }

    func testWritesAndReadsFilesAndTensors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try Tensor(shape: [2, 2, 3], values: (0..<12).map { Float($0) * 0.25 })
        try NPY.write(t, to: dir + "/t.npy")
        let back = try NPY.readTensor(dir + "/t.npy")
        XCTAssertEqual(back.shape, [2, 2, 3])
        XCTAssertEqual(back.toArray(), t.toArray())
        XCTAssertThrowsError(try NPY.read(dir + "/absent.npy")) { error in
            XCTAssertTrue("\(error)".contains("absent.npy"), "\(error)")
        }
    }

    func testReadsVersion2AndVariantHeaders() throws {
        // Version 2.0 (4-byte header length), double quotes, '=' byte order, Python 2 long literals.
        let header = Array("{\"descr\": \"=i4\", \"fortran_order\": False, \"shape\": (2L, 1L)}\n".utf8)
        var file: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0, UInt8(header.count), 0, 0, 0] + header
        file += [5, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        let a = try NPY.decode(file, path: "v2.npy")
        XCTAssertEqual(a.dtype, .int32)
        XCTAssertEqual(a.shape, [2, 1])
        XCTAssertEqual(a.integers(), [5, -1])
    }

    func testBadFilesNameTheFileAndTheProblem() {
        let good = NPYTests.bytes(NPYTests.numpyFloat32)
        var badMagic = good
        badMagic[1] = 0x58
        var bigEndian = good
        bigEndian.replaceSubrange(21..<24, with: Array(">f4".utf8))
        var complex = good
        complex.replaceSubrange(21..<24, with: Array("<c8".utf8))
        let cases: [(String, [UInt8], [String])] = [
            ("truncated.npy", Array(good.dropLast(5)), ["expected 24 bytes", "found 19"]),
            ("tiny.npy", Array(good.prefix(7)), ["at least 10 bytes"]),
            ("magic.npy", badMagic, ["magic", "4e 55 4d 50 59", "93 58"]),
            ("fortran.npy", NPYTests.bytes(NPYTests.numpyFortran), ["Fortran order", "ascontiguousarray"]),
            ("bigendian.npy", bigEndian, ["unsupported dtype '>f4'"]),
            ("complex.npy", complex, ["unsupported dtype '<c8'", "<f4"]),
            ("header.npy", Array(good.prefix(40)), ["header claims 118 bytes"]),
        ]
        for (name, bytes, fragments) in cases {
            XCTAssertThrowsError(try NPY.decode(bytes, path: name), name) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix(name + ": "), "names the file: \(text)")
                for fragment in fragments { XCTAssertTrue(text.contains(fragment), "\(name): '\(fragment)' not in: \(text)") }
            }
        }
    }

    func testHeaderParserRejectsGarbageWithoutHanging() {
        for header in ["{", "{'descr': '<f4'", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}",
                       "{'descr': '<f4', 'fortran_order': Maybe, 'shape': ()}", "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
                       "{'descr': '<f4', 'shape': (1,)}", "nonsense"] {
            XCTAssertThrowsError(try NPYHeader.parse(header), header)
        }
        XCTAssertEqual(try NPYHeader.parse("{'descr': '|u1', 'fortran_order': False, 'shape': (), }").shape, [])
    }
}
