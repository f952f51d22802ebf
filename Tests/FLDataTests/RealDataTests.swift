import Foundation
import XCTest
import FLTensor
@testable import FLData

/// The real datasets: the two CSV sets that ship in data/, and MNIST / Fashion-MNIST when
/// `flnb data get` has installed them (skipped with a message otherwise). Expected values were
/// read from the files with NumPy.
final class RealDataTests: XCTestCase {
    func testDigitsClassCountsPixelsAndLabels() throws {
        let all = try CSVImageReader.read(Fixtures.projectData.file("digits.csv.gz"), name: "digits", height: 8, width: 8,
                                          maxValue: 16, classCount: 10, expectedRows: 1797)
        XCTAssertEqual(all.count, 1797)
        XCTAssertEqual(all.shapeDescription, "1×8×8")
        XCTAssertEqual(all.classCounts(), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])  // as in sklearn
        XCTAssertEqual(Array(all.labels.prefix(3)), [0, 1, 2])
        XCTAssertEqual(all.labels[100], 4)
        XCTAssertEqual(all.pixel(100, channel: 0, y: 3, x: 4), 1 / 16, accuracy: 1e-6)
        XCTAssertEqual(all.labels[1796], 8)
        XCTAssertEqual(all.pixel(1796, channel: 0, y: 2, x: 2), 15 / 16, accuracy: 1e-6)
        XCTAssertEqual(all.pixel(0, channel: 0, y: 0, x: 2), 5 / 16, accuracy: 1e-6)  // first row: 0,0,5,13,…
        guard case .uint8(let bytes, let scale) = all.pixels else { return XCTFail("8-bit data stays 8-bit") }
        XCTAssertEqual(scale, 1 / 16)
        XCTAssertEqual(bytes.max(), 16)
    }

    func testDigitsSplitIsStratifiedFixedAndMatchesTheDesign() throws {
        let (train, test) = try DatasetCatalog.load("digits", root: Fixtures.projectData)
        XCTAssertEqual(train.count, 1437)
        XCTAssertEqual(test.count, 360)
        let totals = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
        let testCounts = test.classCounts()
        for c in 0..<10 {
            XCTAssertEqual(train.classCounts()[c] + testCounts[c], totals[c])
            // ⌊n/5⌋ or ⌈n/5⌉ of every class goes to test: stratified.
            XCTAssertTrue(testCounts[c] == totals[c] / 5 || testCounts[c] == (totals[c] + 4) / 5, "class \(c): \(testCounts[c])")
        }
        XCTAssertEqual(testCounts, [36, 37, 35, 37, 36, 36, 36, 36, 35, 36])
        let labels = try CSVImageReader.read(Fixtures.projectData.file("digits.csv.gz"), name: "d", height: 8, width: 8,
                                             maxValue: 16, classCount: 10).labels
        let split = StratifiedSplit.split(labels: labels)
        XCTAssertEqual(Set(split.train).intersection(split.test).count, 0)
        XCTAssertEqual(Set(split.train + split.test).count, 1797)
        // Pinned: the split must be the same on every machine and every run.
        XCTAssertEqual(Array(split.test.prefix(8)), [1, 2, 7, 9, 13, 16, 18, 28])
        XCTAssertEqual(StratifiedSplit.split(labels: labels).test, split.test)
        XCTAssertNotEqual(StratifiedSplit.split(labels: labels, seed: 7).test, split.test)
        XCTAssertEqual(try Benchmark.named("seq-digits").description,
                       "seq-digits: 5 tasks (2+2+2+2+2 classes) · 1437 train / 360 test · 1×8×8")
    }

    func testMNIST5kCountsPixelsAndSplit() throws {
        let all = try CSVImageReader.read(Fixtures.projectData.file("mnist_5k.csv.gz"), name: "mnist5k", height: 28, width: 28,
                                          maxValue: 255, classCount: 10, expectedRows: 5000)
        XCTAssertEqual(all.classCounts(), Array(repeating: 500, count: 10))
        XCTAssertEqual(all.labels[2500], 5)
        XCTAssertEqual(all.pixel(2500, channel: 0, y: 14, x: 14), 240 / 255, accuracy: 1e-6)
        XCTAssertEqual(all.labels[123], 0)
        XCTAssertEqual(all.pixel(123, channel: 0, y: 10, x: 15), 252 / 255, accuracy: 1e-6)
        let (train, test) = try DatasetCatalog.load("mnist5k", root: Fixtures.projectData)
        XCTAssertEqual(train.classCounts(), Array(repeating: 400, count: 10))
        XCTAssertEqual(test.classCounts(), Array(repeating: 100, count: 10))
        XCTAssertEqual(try Benchmark.named("seq-mnist5k").description,
                       "seq-mnist5k: 5 tasks (2+2+2+2+2 classes) · 4000 train / 1000 test · 1×28×28")
    }

    /// Loads a downloadable dataset, or prints why the test is skipped.
    private func loadIfPresent(_ name: String) throws -> (train: ImageSet, test: ImageSet)? {
        let dataset = try DatasetCatalog.info(name)
        guard DatasetCatalog.folder(of: dataset, root: Fixtures.projectData) != nil else {
            print("skipped: \(name) is not in \(Fixtures.projectData.path) (run `flnb data get \(name)`)")
            return nil
        }
        return try DatasetCatalog.load(name, root: Fixtures.projectData)
    }

    func testFashionMNISTWhenPresent() throws {
        guard let (train, test) = try loadIfPresent("fashion-mnist") else { return }
        XCTAssertEqual(train.count, 60_000)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual(Array(train.labels.prefix(5)), [9, 0, 0, 3, 0])
        XCTAssertEqual(train.pixel(0, channel: 0, y: 14, x: 14), 217 / 255, accuracy: 1e-6)
        XCTAssertEqual(train.pixel(0, channel: 0, y: 20, x: 10), 197 / 255, accuracy: 1e-6)
        XCTAssertEqual(Array(test.labels.prefix(5)), [9, 2, 1, 1, 6])
        XCTAssertEqual(test.pixel(0, channel: 0, y: 14, x: 14), 110 / 255, accuracy: 1e-6)
        XCTAssertEqual(train.classCounts(), Array(repeating: 6000, count: 10))
        XCTAssertEqual(test.classCounts(), Array(repeating: 1000, count: 10))
        let bench = try Benchmark.named("seq-fmnist")
        XCTAssertEqual(bench.description, "seq-fmnist: 5 tasks (2+2+2+2+2 classes) · 60000 train / 10000 test · 1×28×28")
        XCTAssertNil(bench.normalization, "Fashion-MNIST is used unnormalized, pixels in [0, 1]")
        let first = Array(bench.tasks[0].testIndices.prefix(4))
        let labels = first.map { bench.test.labels[$0] }
        XCTAssertEqual(labels, [1, 1, 1, 1].map { _ in labels[0] })  // task 0 = classes 0 and 1 only
        XCTAssertTrue(bench.testTransform.gather(first).toArray().allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testMNISTWhenPresent() throws {
        guard let (train, test) = try loadIfPresent("mnist") else { return }
        XCTAssertEqual(train.count, 60_000)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual(Array(train.labels.prefix(5)), [5, 0, 4, 1, 9])
        XCTAssertEqual(train.pixel(0, channel: 0, y: 14, x: 14), 240 / 255, accuracy: 1e-6)
        XCTAssertEqual(Array(test.labels.prefix(5)), [7, 2, 1, 0, 4])
        XCTAssertEqual(train.classCounts(), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        XCTAssertEqual(test.classCounts(), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        XCTAssertEqual(try Benchmark.named("seq-mnist").description,
                       "seq-mnist: 5 tasks (2+2+2+2+2 classes) · 60000 train / 10000 test · 1×28×28")
    }
}
