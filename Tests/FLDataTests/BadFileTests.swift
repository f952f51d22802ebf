import Foundation
import XCTest
import FLTensor
@testable import FLData

/// Every reader, given a missing, truncated, wrong-magic, wrong-size or malformed file, throws a
/// `DataError` that names the file, says what was expected and what was found, and how to get
/// the data — never a crash or a hang.
final class BadFileTests: XCTestCase {
    var dir = ""
    override func setUp() { dir = Fixtures.temporaryFolder() }
    override func tearDown() { Fixtures.remove(dir) }

    func testIDXFiles() {
        let images = Fixtures.idxImages(count: 4, rows: 28, columns: 28)
        let labels = Fixtures.idxLabels([1, 2, 3, 4])
        Fixtures.write(Array(images.dropLast(100)), to: dir + "/cut-images")
        Fixtures.write(Zlib.compress(Array(images.dropLast(100)), gzip: true), to: dir + "/cut-images.gz")
        Fixtures.write(Array(Zlib.compress(images, gzip: true).dropLast(40)), to: dir + "/broken.gz")
        Fixtures.write(images + [0, 0], to: dir + "/long-images")
        Fixtures.write(labels, to: dir + "/labels")
        Fixtures.write(Fixtures.idxLabels([1, 2, 3]), to: dir + "/three-labels")
        Fixtures.write(Fixtures.idxLabels([1, 2, 3, 12]), to: dir + "/label-12")
        Fixtures.write(images, to: dir + "/images")
        Fixtures.write([0, 8], to: dir + "/stub")
        let get = "flnb data get mnist"
        let cases: [(String, () throws -> Any, [String])] = [
            ("missing", { try IDXReader.readImages(self.dir + "/nothing") }, ["/nothing", "no such file", "0x00000803", get]),
            ("truncated", { try IDXReader.readImages(self.dir + "/cut-images") },
             ["cut-images", "expected 3152 bytes (4 images of 28×28", "found 3052 bytes (truncated)", get]),
            ("truncated inside gzip", { try IDXReader.readImages(self.dir + "/cut-images.gz") }, ["cut-images.gz", "found 3052 bytes", get]),
            ("broken gzip", { try IDXReader.readImages(self.dir + "/broken.gz") }, ["broken.gz", "gzip", "truncated", get]),
            ("extra bytes", { try IDXReader.readImages(self.dir + "/long-images") }, ["long-images", "found 3154 bytes (extra data)"]),
            ("labels as images", { try IDXReader.readImages(self.dir + "/labels") },
             ["/labels", "expected the IDX image magic 0x00000803, found 0x00000801 (an IDX label file)", get]),
            ("images as labels", { try IDXReader.readLabels(self.dir + "/images") }, ["expected the IDX label magic 0x00000801, found 0x00000803"]),
            ("stub", { try IDXReader.readLabels(self.dir + "/stub") }, ["/stub", "found only 2 bytes"]),
            ("count mismatch", { try IDXReader.read(images: self.dir + "/images", labels: self.dir + "/three-labels", name: "m") },
             ["three-labels", "expected 4 labels", "found 3"]),
            ("label range", { try IDXReader.read(images: self.dir + "/images", labels: self.dir + "/label-12", name: "m") },
             ["label-12", "expected labels 0–9, found 12"]),
        ]
        for (name, body, fragments) in cases { assertDataError(try body(), contains: fragments + [dir]); _ = name }
    }

    func testCIFARFiles() {
        Fixtures.write(Array(Fixtures.cifar10(labels: [1, 2]).dropLast(7)), to: dir + "/data_batch_1.bin")
        Fixtures.write(Fixtures.cifar100(fine: [5, 6]), to: dir + "/c100.bin")
        Fixtures.write(Fixtures.cifar10(labels: [1, 2]), to: dir + "/c10.bin")
        Fixtures.write(Fixtures.cifar10(labels: [4, 200]), to: dir + "/badlabel.bin")
        Fixtures.write([], to: dir + "/empty.bin")
        assertDataError(try CIFARReader.readCIFAR10([dir + "/missing_batch.bin"], name: "c"),
                        contains: ["missing_batch.bin", "no such file", "CIFAR-10", "flnb data get cifar10"])
        assertDataError(try CIFARReader.readCIFAR10([dir + "/data_batch_1.bin"], name: "c"),
                        contains: ["data_batch_1.bin", "expected a positive multiple of 3073 bytes", "found 6139 bytes (1 whole records and 3066 bytes left over)", "flnb data get cifar10"])
        assertDataError(try CIFARReader.readCIFAR10([dir + "/c100.bin"], name: "c"),
                        contains: ["c100.bin", "3073", "found 6148 bytes", "fits CIFAR-100 records — wrong dataset?"])
        assertDataError(try CIFARReader.readCIFAR100(dir + "/c10.bin", name: "c"),
                        contains: ["c10.bin", "multiple of 3074 bytes", "found 6146 bytes", "fits CIFAR-10 records", "flnb data get cifar100"])
        assertDataError(try CIFARReader.readCIFAR10([dir + "/badlabel.bin"], name: "c"),
                        contains: ["badlabel.bin", "record 1: expected a CIFAR-10 label byte 0–9, found 200"])
        assertDataError(try CIFARReader.readCIFAR10([dir + "/empty.bin"], name: "c"), contains: ["empty.bin", "found 0 bytes"])
    }

    func testNPYAndTinyImageNetFiles() throws {
        try NPY.write(NPYArray(uint8: [UInt8](repeating: 1, count: 2 * 32 * 32 * 3), shape: [2, 32, 32, 3]), to: dir + "/x_train.npy")
        try NPY.write(NPYArray(int64: [0, 1], shape: [2]), to: dir + "/y_train.npy")
        assertDataError(try TinyImageNetReader.read(folder: dir, train: true),
                        contains: ["x_train.npy", "expected Tiny-ImageNet images of 3×64×64, found 3×32×32", "data/tiny-imagenet"])
        assertDataError(try TinyImageNetReader.read(folder: dir, train: false),
                        contains: ["x_val.npy", "no such file", "Tiny-ImageNet validation images", "not downloaded by flnb"])
        let good = NPY.encode(NPYArray(uint8: [UInt8](repeating: 1, count: 2 * 64 * 64 * 3), shape: [2, 64, 64, 3]))
        Fixtures.write(Array(good.dropLast(1000)), to: dir + "/cut.npy")
        assertDataError(try ArrayImageReader.read(images: dir + "/cut.npy", labels: dir + "/y_train.npy", name: "t"),
                        contains: ["cut.npy", "expected 24576 bytes", "found 23576", "truncated"])
        Fixtures.write(Array("PK not numpy".utf8), to: dir + "/magic.npy")
        assertDataError(try ArrayImageReader.read(images: dir + "/magic.npy", labels: dir + "/y_train.npy", name: "t"),
                        contains: ["magic.npy", "expected the magic bytes 93 4e 55 4d 50 59", "found 50 4b"])
        try NPY.write(NPYArray(int64: [0, 1, 2], shape: [3]), to: dir + "/y3.npy")
        try NPY.write(NPYArray(float32: [0.5, 1], shape: [2]), to: dir + "/yfrac.npy")
        try NPY.write(NPYArray(int64: [0, -1], shape: [2]), to: dir + "/yneg.npy")
        try NPY.write(NPYArray(float32: [Float](repeating: 0, count: 2 * 5 * 7 * 2), shape: [2, 5, 7, 2]), to: dir + "/xodd.npy")
        for (labels, fragments) in [("y3.npy", ["y3.npy", "expected 2 labels", "found shape [3]"]),
                                    ("yfrac.npy", ["yfrac.npy", "expected integer labels", "<f4"]),
                                    ("yneg.npy", ["yneg.npy", "found -1 at position 1"])] {
            assertDataError(try ArrayImageReader.read(images: dir + "/x_train.npy", labels: dir + "/" + labels, name: "t"), contains: fragments)
        }
        assertDataError(try ArrayImageReader.read(images: dir + "/xodd.npy", labels: dir + "/y_train.npy", name: "t"),
                        contains: ["xodd.npy", "cannot tell which axis of [2, 5, 7, 2] holds the channels"])
    }

    func testCSVFiles() {
        let rows = [
            ("short.csv", "1,2,3,4,0\n1,2,3,0\n", ["short.csv", "line 2: expected 5 comma-separated values (4 pixels then the label), found 4"]),
            ("long.csv", "1,2,3,4,0,9\n", ["long.csv", "line 1: expected 5", "found more"]),
            ("text.csv", "1,2,x,4,0\n", ["text.csv", "line 1: column 3: expected a whole pixel value 0–16, found 'x'"]),
            ("header.csv", "p0,p1,p2,p3,label\n1,2,3,4,0\n", ["header.csv", "line 1", "found 'p0'", "must not have a header line"]),
            ("range.csv", "1,2,3,17,0\n", ["range.csv", "column 4", "0–16, found '17'"]),
            ("label.csv", "1,2,3,4,10\n", ["label.csv", "column 5: expected a label 0–9, found '10'"]),
            ("half.csv", "1,2,3,4.5,0\n", ["half.csv", "found '4.5'"]),
            ("empty.csv", "\n\n", ["empty.csv", "found an empty file"]),
        ]
        for (name, text, fragments) in rows {
            Fixtures.write(Array(text.utf8), to: dir + "/" + name)
            assertDataError(try CSVImageReader.read(dir + "/" + name, name: "t", height: 2, width: 2, maxValue: 16, classCount: 10,
                                                    remedy: "run `flnb data get digits`"),
                            contains: fragments + ["flnb data get digits"])
        }
        Fixtures.write(Zlib.compress(Array("1,2,3,4,0\n".utf8), gzip: true), to: dir + "/rows.csv.gz")
        assertDataError(try CSVImageReader.read(dir + "/rows.csv.gz", name: "t", height: 2, width: 2, maxValue: 16, classCount: 10, expectedRows: 1797),
                        contains: ["rows.csv.gz", "expected 1797 rows, found 1"])
    }

    func testNamedDatasetsMissingFromTheDataFolderSayHowToGetThem() throws {
        let root = DataRoot(path: dir)
        for (name, fragments) in [("mnist", ["\(dir)/mnist/train-images-idx3-ubyte", "no such file", "run `flnb data get mnist`"]),
                                  ("cifar10", ["\(dir)/cifar-10-batches-bin/data_batch_1.bin", "flnb data get cifar10"]),
                                  ("cifar100", ["\(dir)/cifar-100-binary/train.bin", "flnb data get cifar100"]),
                                  ("digits", ["\(dir)/digits.csv.gz", "flnb data get digits"]),
                                  ("tiny-imagenet", ["\(dir)/tiny-imagenet/x_train.npy", "data/tiny-imagenet"])] {
            assertDataError(try DatasetCatalog.load(name, root: root), contains: fragments)
        }
        assertDataError(try Benchmark.named("seq-cifar10", options: BenchmarkOptions(dataRoot: dir)),
                        contains: ["data_batch_1.bin", "flnb data get cifar10"])
        // A partly present dataset names the first file that is missing.
        Fixtures.write(Fixtures.idxImages(count: 2, rows: 28, columns: 28), to: dir + "/mnist/train-images-idx3-ubyte")
        assertDataError(try DatasetCatalog.load("mnist", root: root), contains: ["\(dir)/mnist/train-labels-idx1-ubyte", "no such file", "flnb data get mnist"])
    }
}
