import Foundation
import XCTest
import FLTensor
@testable import FLData

/// Transforms: exact crop/flip, normalization, seeded augmentation draws.
final class LoaderTests: XCTestCase {
    /// A 1×4×4 image with pixels 1…16 (row-major) as bytes 1…16 with scale 1, no normalization.
    func handMadeTransform(padding: Int, flip: Bool) throws -> ImageTransform {
        let set = try ImageSet(name: "hand", channels: 1, height: 4, width: 4, bytes: (1...16).map { UInt8($0) }, scale: 1, labels: [0])
        return try ImageTransform(images: set, normalization: nil, augmentation: Augmentation(cropPadding: padding, horizontalFlip: flip))
    }

    func testCropAndFlipOnAHandMadeImage() throws {
        let t = try handMadeTransform(padding: 1, flip: true)
        // top = left = padding: the identity crop.
        XCTAssertEqual(t.gather([0], draws: [AugmentationDraw(top: 1, left: 1, flip: false)]).toArray(), (1...16).map(Float.init))
        // Window shifted up-left by one: a zero row and column enter at the top and left.
        XCTAssertEqual(t.gather([0], draws: [AugmentationDraw(top: 0, left: 0, flip: false)]).toArray(),
                       [0, 0, 0, 0,
                        0, 1, 2, 3,
                        0, 5, 6, 7,
                        0, 9, 10, 11])
        // Shifted down-right by one.
        XCTAssertEqual(t.gather([0], draws: [AugmentationDraw(top: 2, left: 2, flip: false)]).toArray(),
                       [6, 7, 8, 0,
                        10, 11, 12, 0,
                        14, 15, 16, 0,
                        0, 0, 0, 0])
        // Flip alone mirrors each row.
        XCTAssertEqual(t.gather([0], draws: [AugmentationDraw(top: 1, left: 1, flip: true)]).toArray(),
                       [4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13])
        // Crop then flip: the cropped window [0,1,2,3 / …] mirrored, padding ends up on the right.
        XCTAssertEqual(t.gather([0], draws: [AugmentationDraw(top: 0, left: 0, flip: true)]).toArray(),
                       [0, 0, 0, 0,
                        3, 2, 1, 0,
                        7, 6, 5, 0,
                        11, 10, 9, 0])
    }

    /// A direct reference: pad with zeros, cut the window, mirror, normalize.
    func reference(_ set: ImageSet, _ image: Int, _ draw: AugmentationDraw, pad: Int, _ n: Normalization) -> [Float] {
        var out: [Float] = []
        for c in 0..<set.channels { for y in 0..<set.height { for x in 0..<set.width {
            let sx0 = draw.flip ? set.width - 1 - x : x
            let (sy, sx) = (y + draw.top - pad, sx0 + draw.left - pad)
            let v = (sy >= 0 && sy < set.height && sx >= 0 && sx < set.width) ? set.pixel(image, channel: c, y: sy, x: sx) : 0
            out.append((v - n.mean[c]) / n.std[c])
        } } }
        return out
    }

    func testAugmentationMatchesAReferenceForEveryDrawOnBothPixelTypes() throws {
        var rng = RNG(seed: 11)
        let bytes = (0..<(3 * 3 * 8 * 6)).map { _ in UInt8(rng.int(below: 256)) }
        let labels = [0, 1, 2]
        let byteSet = try ImageSet(name: "b", channels: 3, height: 8, width: 6, bytes: bytes, scale: 1 / 255, labels: labels)
        let floatSet = try ImageSet(name: "f", channels: 3, height: 8, width: 6, floats: bytes.map { Float($0) / 255 }, labels: labels)
        let pad = 3
        for set in [byteSet, floatSet] {
            let t = try ImageTransform(images: set, normalization: .cifar10, augmentation: Augmentation(cropPadding: pad, horizontalFlip: true))
            for top in 0...(2 * pad) { for left in 0...(2 * pad) { for flip in [false, true] {
                let draw = AugmentationDraw(top: top, left: left, flip: flip)
                let got = t.gather([2, 0], draws: [draw, draw]).toArray()
                let want = reference(set, 2, draw, pad: pad, .cifar10) + reference(set, 0, draw, pad: pad, .cifar10)
                for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-5, "\(set.name) \(draw)") }
            } } }
        }
    }

    func testPlainInputsAreTheNormalizedSource() throws {
        let root = Fixtures.cifar100Root(perClassTrain: 1)
        defer { Fixtures.remove(root) }
        let bench = try Benchmark.named("seq-cifar100", options: BenchmarkOptions(dataRoot: root))
        let indices = Array(bench.tasks[2].trainIndices.prefix(4))
        let augmented = bench.trainTransform.gather(indices, augmentationSeed: 5)
        let plain = bench.trainTransform.gather(indices)
        XCTAssertEqual(augmented.shape, [4, 3, 32, 32])
        XCTAssertEqual(plain.shape, [4, 3, 32, 32])
        let n = Normalization.cifar100
        for (k, i) in indices.enumerated() {
            XCTAssertTrue(bench.tasks[2].classes.contains(bench.train.labels[i]))
            for (c, y, x) in [(0, 0, 0), (1, 16, 7), (2, 31, 31)] {
                let want = (bench.train.pixel(i, channel: c, y: y, x: x) - n.mean[c]) / n.std[c]
                XCTAssertEqual(plain[k, c, y, x], want, accuracy: 1e-5)
            }
        }
        XCTAssertNotEqual(augmented.toArray(), plain.toArray(), "training batches are augmented")
        XCTAssertEqual(bench.trainTransform.gather(indices, augmentationSeed: 5).toArray(), augmented.toArray(), "the same seed, the same draws")
        XCTAssertTrue(bench.testTransform.augmentation.isIdentity, "evaluation images are not augmented")
        XCTAssertEqual(bench.testTransform.gather(Array(bench.tasks[0].testIndices.prefix(3))).shape, [3, 3, 32, 32])
    }

    func testAugmentationDrawsCoverTheirRangeAndAreSeeded() throws {
        let t = try handMadeTransform(padding: 4, flip: true)
        var rng = RNG(seed: 8)
        let draws = t.draws(count: 2000, rng: &rng)
        XCTAssertEqual(Set(draws.map(\.top)), Set(0...8))
        XCTAssertEqual(Set(draws.map(\.left)), Set(0...8))
        let flips = draws.filter(\.flip).count
        XCTAssertTrue(flips > 800 && flips < 1200, "\(flips) flips of 2000")
        XCTAssertEqual(t.gather([0, 0], augmentationSeed: 4).toArray(), t.gather([0, 0], augmentationSeed: 4).toArray())
        let none = try ImageTransform(images: t.images, normalization: nil, augmentation: .none)
        var rng2 = RNG(seed: 8)
        XCTAssertTrue(none.draws(count: 5, rng: &rng2).allSatisfy { $0 == AugmentationDraw(top: 0, left: 0, flip: false) })
        XCTAssertThrowsError(try ImageTransform(images: t.images, normalization: .cifar10))  // 3 channels for 1
    }
}
