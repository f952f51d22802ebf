import Foundation
import XCTest
import FLTensor
@testable import FLData

/// Temporary folders and files written in the exact formats the readers expect.
enum Fixtures {
    /// A fresh empty folder, removed by the caller's `defer`.
    static func temporaryFolder(_ tag: String = "fldata") -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    static func write(_ bytes: [UInt8], to path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    /// The project's data folder (digits and MNIST-5k ship there).
    static var projectData: DataRoot { DataRoot.resolve(environment: [:]) }

    /// A deterministic pixel byte for (record, channel, y, x), so tests can predict any pixel.
    static func pixel(_ record: Int, _ c: Int, _ y: Int, _ x: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: record &* 31 &+ c &* 97 &+ y &* 7 &+ x &* 3)
    }

    /// CIFAR-10 records: one label byte, then R, G, B planes of 32×32.
    static func cifar10(labels: [Int], firstRecord: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        for (r, label) in labels.enumerated() {
            out.append(UInt8(label))
            for c in 0..<3 { for y in 0..<32 { for x in 0..<32 { out.append(pixel(firstRecord + r, c, y, x)) } } }
        }
        return out
    }

    /// CIFAR-100 records: coarse byte, fine byte, then the 3072 pixel bytes.
    static func cifar100(fine: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        for (r, label) in fine.enumerated() {
            out += [UInt8(label / 5), UInt8(label)]
            for c in 0..<3 { for y in 0..<32 { for x in 0..<32 { out.append(pixel(r, c, y, x)) } } }
        }
        return out
    }

    /// An IDX image file (magic 0x803, big-endian N, rows, columns).
    static func idxImages(count: Int, rows: Int, columns: Int) -> [UInt8] {
        var out: [UInt8] = [0, 0, 8, 3]
        for d in [count, rows, columns] { out += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
        for i in 0..<count { for y in 0..<rows { for x in 0..<columns { out.append(pixel(i, 0, y, x)) } } }
        return out
    }

    /// An IDX label file (magic 0x801, big-endian N).
    static func idxLabels(_ labels: [UInt8]) -> [UInt8] {
        let n = labels.count
        return [0, 0, 8, 1, UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + labels
    }

    /// A folder laid out like data/cifar-100-binary with `perClassTrain` (and one test) images per class.
    static func cifar100Root(perClassTrain: Int) -> String {
        let root = temporaryFolder("cifar100")
        let train = (0..<(100 * perClassTrain)).map { $0 % 100 }
        write(cifar100(fine: train), to: root + "/cifar-100-binary/train.bin")
        write(cifar100(fine: Array(0..<100)), to: root + "/cifar-100-binary/test.bin")
        return root
    }

    /// A tar archive (ustar headers) holding the given files.
    static func tar(_ files: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, body) in files {
            var header = [UInt8](repeating: 0, count: 512)
            header.replaceSubrange(0..<name.utf8.count, with: Array(name.utf8))
            let size = Array(String(body.count, radix: 8).utf8)
            let sizeField = [UInt8](repeating: 0x30, count: 11 - size.count) + size
            header.replaceSubrange(124..<135, with: sizeField)
            header[156] = UInt8(ascii: "0")
            header.replaceSubrange(257..<262, with: Array("ustar".utf8))
            out += header
            out += body
            out += [UInt8](repeating: 0, count: (512 - body.count % 512) % 512)
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }
}

extension XCTestCase {
    /// Asserts that `body` throws a `DataError` whose text contains every fragment.
    func assertDataError<T>(_ body: @autoclosure () throws -> T, contains fragments: [String],
                            file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("expected an error containing \(fragments)", file: file, line: line)
        } catch let error as DataError {
            let text = error.description
            for fragment in fragments {
                XCTAssertTrue(text.contains(fragment), "'\(fragment)' not in: \(text)", file: file, line: line)
            }
        } catch {
            XCTFail("expected a DataError, got \(type(of: error)): \(error)", file: file, line: line)
        }
    }
}
