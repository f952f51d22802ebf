import Foundation
import XCTest
import FLTensor
@testable import FLData

/// Measures (does not assert) how long reading and one epoch of batches take; the figures are
/// printed for the record. The assertions check that the epoch really covered every image.
final class ThroughputTests: XCTestCase {
    private func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Runs one epoch and returns (seconds, images seen).
    private func epoch(_ loader: BatchLoader) -> (Double, Int) {
        var seen = 0
        var checksum: Float = 0
        let time = seconds {
            for batch in loader.batches(epoch: 0) {
                seen += batch.labels.count
                checksum += batch.inputs.data[0] + batch.plainInputs.data[batch.plainInputs.count - 1]
            }
        }
        XCTAssertTrue(checksum.isFinite)
        return (time, seen)
    }

    func testEpochThroughputMNISTSized() throws {
        // Real MNIST when installed, else synthetic bytes of the same size.
        var set: ImageSet?
        var readTime = 0.0
        if DatasetCatalog.folder(of: try DatasetCatalog.info("mnist"), root: Fixtures.projectData) != nil {
            readTime = try seconds { set = try DatasetCatalog.load("mnist", root: Fixtures.projectData).train }
        } else {
            var rng = RNG(seed: 1)
            let bytes = (0..<(60_000 * 784)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            set = try ImageSet(name: "synthetic mnist", channels: 1, height: 28, width: 28, bytes: bytes, scale: 1 / 255,
                               labels: (0..<60_000).map { $0 % 10 })
        }
        let images = set!
        if DatasetCatalog.folder(of: try DatasetCatalog.info("fashion-mnist"), root: Fixtures.projectData) != nil {
            let gzTime = try seconds { _ = try DatasetCatalog.load("fashion-mnist", root: Fixtures.projectData) }
            print(String(format: "throughput: read Fashion-MNIST (4 gzipped IDX files, 70,000 images) in %.3f s", gzTime))
        }
        let transform = try ImageTransform(images: images, normalization: nil, augmentation: .none)
        let loader = BatchLoader(transform: transform, indices: Array(0..<images.count), batchSize: 128, shuffle: true, augment: false, seed: 1)
        let (time, seen) = epoch(loader)
        XCTAssertEqual(seen, 60_000)
        print(String(format: "throughput: %@ read in %.3f s; one epoch of 60,000 1×28×28 (batch 128, shuffle) in %.3f s = %.0f images/s",
                     images.name, readTime, time, Double(seen) / time))
    }

    func testEpochThroughputCIFARSizedWithCropAndFlip() throws {
        var rng = RNG(seed: 2)
        var bytes = [UInt8](repeating: 0, count: 50_000 * 3072)
        for i in stride(from: 0, to: bytes.count, by: 8) {
            let r = rng.next()
            for k in 0..<8 { bytes[i + k] = UInt8(truncatingIfNeeded: r >> (8 * UInt64(k))) }
        }
        let images = try ImageSet(name: "synthetic cifar", channels: 3, height: 32, width: 32, bytes: bytes, scale: 1 / 255,
                                  labels: (0..<50_000).map { $0 % 10 })
        let transform = try ImageTransform(images: images, normalization: .cifar10, augmentation: .cropAndFlip)
        let loader = BatchLoader(transform: transform, indices: Array(0..<50_000), batchSize: 32, shuffle: true, augment: true, seed: 1)
        let (time, seen) = epoch(loader)
        XCTAssertEqual(seen, 50_000)
        print(String(format: "throughput: one epoch of 50,000 3×32×32 with crop+flip+normalize and the plain copy (batch 32) in %.3f s = %.0f images/s (%d threads)",
                     time, Double(seen) / time, Parallel.threads))
        let wide = BatchLoader(transform: transform, indices: Array(0..<50_000), batchSize: 256, shuffle: true, augment: true, seed: 1)
        let (wideTime, _) = epoch(wide)
        print(String(format: "throughput: the same with batch 256 in %.3f s", wideTime))
    }
}
