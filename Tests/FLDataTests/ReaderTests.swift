import Foundation
import XCTest
import FLTensor
@testable import FLData

/// Readers on small files written by the tests in the exact formats of the real datasets.
final class ReaderTests: XCTestCase {
    var dir = ""
    override func setUp() { dir = Fixtures.temporaryFolder() }
    override func tearDown() { Fixtures.remove(dir) }

    func testIDXRawAndGzippedGiveTheSameImages() throws {
        let images = Fixtures.idxImages(count: 3, rows: 5, columns: 4)
        Fixtures.write(images, to: dir + "/i")
        Fixtures.write(Zlib.compress(images, gzip: true), to: dir + "/i.gz")
        Fixtures.write(Fixtures.idxLabels([7, 0, 9]), to: dir + "/l")
        let raw = try IDXReader.read(images: dir + "/i", labels: dir + "/l", name: "idx")
        let gz = try IDXReader.read(images: dir + "/i.gz", labels: dir + "/l", name: "idx")
        XCTAssertEqual(raw.labels, [7, 0, 9])
        XCTAssertEqual(raw.shapeDescription, "1×5×4")
        XCTAssertEqual(raw.pixel(2, channel: 0, y: 4, x: 3), Float(Fixtures.pixel(2, 0, 4, 3)) / 255, accuracy: 1e-6)
        XCTAssertEqual(raw.image(1), gz.image(1))
    }

    func testCIFAR10RecordsBecomeCHWImagesInFileOrder() throws {
        Fixtures.write(Fixtures.cifar10(labels: [3, 9]), to: dir + "/data_batch_1.bin")
        Fixtures.write(Fixtures.cifar10(labels: [0], firstRecord: 2), to: dir + "/data_batch_2.bin")
        let set = try CIFARReader.readCIFAR10([dir + "/data_batch_1.bin", dir + "/data_batch_2.bin"], name: "c10")
        XCTAssertEqual(set.labels, [3, 9, 0])
        XCTAssertEqual(set.shapeDescription, "3×32×32")
        XCTAssertEqual(set.classCount, 10)
        // Byte 1 + c·1024 + y·32 + x of record r is channel c (R, G, B), row y, column x.
        for (r, c, y, x) in [(0, 0, 0, 0), (1, 2, 31, 5), (2, 1, 17, 30)] {
            XCTAssertEqual(set.pixel(r, channel: c, y: y, x: x), Float(Fixtures.pixel(r, c, y, x)) / 255, accuracy: 1e-6)
        }
        XCTAssertEqual(set.pixelBytes, 3 * 3072, "pixels stay one byte each")
    }

    func testCIFAR100FineAndCoarseLabels() throws {
        Fixtures.write(Fixtures.cifar100(fine: [99, 0, 42]), to: dir + "/train.bin")
        let fine = try CIFARReader.readCIFAR100(dir + "/train.bin", name: "c100")
        XCTAssertEqual(fine.labels, [99, 0, 42])
        XCTAssertEqual(fine.classCount, 100)
        let coarse = try CIFARReader.readCIFAR100(dir + "/train.bin", name: "c100", labels: .coarse)
        XCTAssertEqual(coarse.labels, [19, 0, 8])
        XCTAssertEqual(coarse.classCount, 20)
        XCTAssertEqual(fine.pixel(2, channel: 1, y: 3, x: 4), Float(Fixtures.pixel(2, 1, 3, 4)) / 255, accuracy: 1e-6)
    }

    /// uint8 [N, 64, 64, 3] with value f(n, y, x, c).
    private func tinyHWC(_ n: Int, offset: Int = 0) -> NPYArray {
        var bytes = [UInt8](repeating: 0, count: n * 64 * 64 * 3)
        for i in 0..<n { for y in 0..<64 { for x in 0..<64 { for c in 0..<3 {
            bytes[((i * 64 + y) * 64 + x) * 3 + c] = Fixtures.pixel(i + offset, c, y, x)
        } } } }
        return NPYArray(uint8: bytes, shape: [n, 64, 64, 3])
    }

    func testTinyImageNetNPYInHWCIsTransposedToCHW() throws {
        try NPY.write(tinyHWC(3), to: dir + "/x_train.npy")
        try NPY.write(NPYArray(int64: [199, 0, 57], shape: [3]), to: dir + "/y_train.npy")
        try NPY.write(tinyHWC(1), to: dir + "/x_val.npy")
        try NPY.write(NPYArray(int32: [5], shape: [1]), to: dir + "/y_val.npy")
        let train = try TinyImageNetReader.read(folder: dir, train: true)
        XCTAssertEqual(train.labels, [199, 0, 57])
        XCTAssertEqual(train.classCount, 200)
        XCTAssertEqual(train.shapeDescription, "3×64×64")
        for (i, c, y, x) in [(0, 0, 0, 0), (2, 2, 63, 1), (1, 1, 10, 62)] {
            XCTAssertEqual(train.pixel(i, channel: c, y: y, x: x), Float(Fixtures.pixel(i, c, y, x)) / 255, accuracy: 1e-6)
        }
        XCTAssertEqual(try TinyImageNetReader.read(folder: dir, train: false).labels, [5])
    }

    func testTinyImageNetChunksAreConcatenatedInOrder() throws {
        let processed = dir + "/processed"
        try FileManager.default.createDirectory(atPath: processed, withIntermediateDirectories: true)
        for k in 1...2 {
            try NPY.write(tinyHWC(2, offset: 2 * (k - 1)), to: processed + "/x_train_0\(k).npy")
            try NPY.write(NPYArray(int64: [k, k + 10], shape: [2]), to: processed + "/y_train_0\(k).npy")
        }
        let train = try TinyImageNetReader.read(folder: dir, train: true)
        XCTAssertEqual(train.labels, [1, 11, 2, 12])
        XCTAssertEqual(train.pixel(3, channel: 2, y: 5, x: 6), Float(Fixtures.pixel(3, 2, 5, 6)) / 255, accuracy: 1e-6)
    }

    func testBringYourOwnArraysInEveryLayout() throws {
        let labels = NPYArray(int64: [0, 1], shape: [2])
        // Float CHW [2, 3, 2, 2]: value = index.
        let chw = NPYArray(float32: (0..<24).map { Float($0) }, shape: [2, 3, 2, 2])
        let a = try ArrayImageReader.imageSet(images: chw, labels: labels, name: "chw", source: ("x", "y"))
        XCTAssertEqual(a.shapeDescription, "3×2×2")
        XCTAssertEqual(a.pixel(1, channel: 2, y: 1, x: 0), 22)
        // The same values as HWC [2, 2, 2, 3] become the same CHW image.
        var hwcValues = [Float](repeating: 0, count: 24)
        for i in 0..<2 { for c in 0..<3 { for y in 0..<2 { for x in 0..<2 {
            hwcValues[((i * 2 + y) * 2 + x) * 3 + c] = Float(((i * 3 + c) * 2 + y) * 2 + x)
        } } } }
        let b = try ArrayImageReader.imageSet(images: NPYArray(float32: hwcValues, shape: [2, 2, 2, 3]), labels: labels, name: "hwc", source: ("x", "y"))
        XCTAssertEqual(b.image(0), a.image(0))
        XCTAssertEqual(b.image(1), a.image(1))
        // Grayscale [N, H, W] and flat rows [N, 3·H·W].
        let gray = try ArrayImageReader.imageSet(images: NPYArray(uint8: Array(0..<18), shape: [2, 3, 3]), labels: labels, name: "g", source: ("x", "y"))
        XCTAssertEqual(gray.shapeDescription, "1×3×3")
        let flat = try ArrayImageReader.imageSet(images: chw.reshaped([2, 12]), labels: NPYArray(float64: [1, 0], shape: [2, 1]), name: "f", source: ("x", "y"))
        XCTAssertEqual(flat.shapeDescription, "3×2×2")
        XCTAssertEqual(flat.labels, [1, 0])
        // An explicit layout overrides the guess.
        let forced = try ArrayImageReader.imageSet(images: NPYArray(float32: hwcValues, shape: [2, 2, 2, 3]), labels: labels, name: "h",
                                                   layout: .channelsFirst, source: ("x", "y"))
        XCTAssertEqual(forced.shapeDescription, "2×2×3")
    }

    func testBringYourOwnFromFilesAndNPZInOneCall() throws {
        // The NumPy-written .npz of FormatTests holds uint8 HWC x_train [4, 2, 2, 3] and y_train.
        Fixtures.write(Array(Data(base64Encoded: FormatTests.numpyCompressedNPZ)!), to: dir + "/mine.npz")
        let bench = try Benchmark.fromNPZ(dir + "/mine.npz", geometry: TaskGeometry(initialClasses: 1, classesPerTask: 1, tasks: 2))
        XCTAssertEqual(bench.name, "mine")
        XCTAssertEqual(bench.train.shapeDescription, "3×2×2")
        XCTAssertEqual(bench.trainCount + bench.testCount, 4, "no x_test: the train arrays are split 80/20")
        XCTAssertEqual(bench.tasks[1].classes, 1..<2)

        try NPY.write(NPYArray(float32: (0..<(6 * 16)).map { Float($0) / 96 }, shape: [6, 1, 4, 4]), to: dir + "/x.npy")
        try NPY.write(NPYArray(int64: [0, 1, 2, 0, 1, 2], shape: [6]), to: dir + "/y.npy")
        let own = try Benchmark.fromNPY(trainImages: dir + "/x.npy", trainLabels: dir + "/y.npy", testImages: dir + "/x.npy",
                                        testLabels: dir + "/y.npy", name: "own", geometry: TaskGeometry(initialClasses: 2, classesPerTask: 1, tasks: 2))
        XCTAssertEqual(own.description, "own: 2 tasks (2+1 classes) · 6 train / 6 test · 1×4×4")
        guard case .float32 = own.train.pixels else { return XCTFail("float sources stay float") }
    }

    func testCSVAcceptsFloatSpellingsAndCRLF() throws {
        let text = "0,16.0,1.6e+01,4,1\r\n8, 8 ,0,0,0\r\n\r\n"
        Fixtures.write(Array(text.utf8), to: dir + "/small.csv")
        let set = try CSVImageReader.read(dir + "/small.csv", name: "small", height: 2, width: 2, maxValue: 16, classCount: 2)
        XCTAssertEqual(set.labels, [1, 0])
        XCTAssertEqual(set.image(0), [0, 1, 1, 0.25])
        XCTAssertEqual(set.image(1), [0.5, 0.5, 0, 0])
    }
}

extension NPYArray {
    /// The same bytes under another shape (test helper).
    func reshaped(_ shape: [Int]) -> NPYArray { try! NPYArray(dtype: dtype, shape: shape, bytes: bytes) }
}
