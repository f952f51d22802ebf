import Foundation
import XCTest
import FLTensor
@testable import FLData

/// Class-incremental splits: task contents, geometry, class-order permutations, summaries.
final class BenchmarkTests: XCTestCase {
    func testEveryTaskHoldsExactlyItsClassesInTrainAndTest() throws {
        let bench = try Benchmark.named("seq-digits")
        XCTAssertEqual(bench.tasks.count, 5)
        var seenTrain = Set<Int>(), seenTest = Set<Int>()
        for task in bench.tasks {
            XCTAssertEqual(task.classes, (2 * task.id)..<(2 * task.id + 2))
            XCTAssertEqual(Set(task.trainIndices.map { bench.train.labels[$0] }), Set(task.classes))
            XCTAssertEqual(Set(task.testIndices.map { bench.test.labels[$0] }), Set(task.classes))
            XCTAssertTrue(seenTrain.isDisjoint(with: task.trainIndices))
            seenTrain.formUnion(task.trainIndices)
            seenTest.formUnion(task.testIndices)
        }
        XCTAssertEqual(seenTrain.count, 1437)
        XCTAssertEqual(seenTest.count, 360)
        XCTAssertEqual(bench.classOrder, Array(0..<10), "natural order by default")
        XCTAssertEqual(bench.testIndices(throughTask: 1).count, bench.tasks[0].testIndices.count + bench.tasks[1].testIndices.count)
        XCTAssertEqual(bench.taskSummary.split(separator: "\n").first, "task 0: classes 0–1 · 287 train / 73 test")
    }

    func testCIFAR100B50OnASyntheticFile() throws {
        let root = Fixtures.cifar100Root(perClassTrain: 2)
        defer { Fixtures.remove(root) }
        let bench = try Benchmark.named("seq-cifar100-b50", options: BenchmarkOptions(dataRoot: root))
        XCTAssertEqual(bench.description, "seq-cifar100-b50: 6 tasks (50+10+10+10+10+10 classes) · 200 train / 100 test · 3×32×32")
        XCTAssertEqual(bench.tasks.map(\.classes), [0..<50, 50..<60, 60..<70, 70..<80, 80..<90, 90..<100])
        XCTAssertEqual(bench.tasks[0].trainIndices.count, 100)
        XCTAssertEqual(bench.tasks[3].testIndices.count, 10)
        for task in bench.tasks {
            XCTAssertTrue(task.trainIndices.allSatisfy { task.classes.contains(bench.train.labels[$0]) })
            XCTAssertTrue(task.testIndices.allSatisfy { task.classes.contains(bench.test.labels[$0]) })
        }
        XCTAssertEqual(bench.normalization, .cifar100)
        XCTAssertEqual(bench.augmentation, .cropAndFlip)
        // The standard 10+10×9 form on the same file.
        let standard = try Benchmark.named("seq-cifar100", options: BenchmarkOptions(dataRoot: root))
        XCTAssertEqual(standard.geometry.sizesDescription, "10+10+10+10+10+10+10+10+10+10")
        // Any geometry can be overridden; unused classes are in no task.
        let small = try Benchmark.named("seq-cifar100", options: BenchmarkOptions(initialClasses: 5, classesPerTask: 3, tasks: 4, dataRoot: root))
        XCTAssertEqual(small.description, "seq-cifar100: 4 tasks (5+3+3+3 classes) · 28 train / 14 test · 3×32×32")
        XCTAssertEqual(small.classCount, 14)
    }

    func testSeededClassOrderIsReproducibleDiffersAcrossSeedsAndRelabels() throws {
        let root = Fixtures.cifar100Root(perClassTrain: 1)
        defer { Fixtures.remove(root) }
        let natural = try Benchmark.named("seq-cifar100", options: BenchmarkOptions(dataRoot: root))
        let a = try Benchmark.named("seq-cifar100", options: BenchmarkOptions(classOrderSeed: 1, dataRoot: root))
        let again = try Benchmark.named("seq-cifar100", options: BenchmarkOptions(classOrderSeed: 1, dataRoot: root))
        let b = try Benchmark.named("seq-cifar100", options: BenchmarkOptions(classOrderSeed: 2, dataRoot: root))
        XCTAssertEqual(a.classOrder, again.classOrder)
        XCTAssertNotEqual(a.classOrder, b.classOrder)
        XCTAssertNotEqual(a.classOrder, Array(0..<100))
        XCTAssertEqual(a.classOrder.sorted(), Array(0..<100))
        // Pinned: the order depends only on our RNG, so it is the same on every machine.
        var rng = RNG(seed: 1)
        XCTAssertEqual(a.classOrder, rng.permutation(100))
        // Image i keeps its pixels; its label becomes the position of its original class.
        for i in [0, 17, 99] {
            XCTAssertEqual(a.classOrder[a.train.labels[i]], natural.train.labels[i])
            XCTAssertEqual(a.train.image(i), natural.train.image(i))
        }
        // Task 0 holds the images whose original class is among the first ten of the order.
        let originals = Set(a.tasks[0].trainIndices.map { natural.train.labels[$0] })
        XCTAssertEqual(originals, Set(a.classOrder[0..<10]))
        XCTAssertTrue(a.description.hasSuffix("· class order seed 1"))
        XCTAssertTrue(a.taskSummary.hasPrefix("task 0: classes 0–9 (original \(a.classOrder[0..<10].map(String.init).joined(separator: ", ")))"))
    }

    func testInvalidGeometryIsAClearError() throws {
        let root = Fixtures.cifar100Root(perClassTrain: 1)
        defer { Fixtures.remove(root) }
        func load(_ c0: Int?, _ k: Int?, _ t: Int?) throws -> Benchmark {
            try Benchmark.named("seq-cifar100", options: BenchmarkOptions(initialClasses: c0, classesPerTask: k, tasks: t, dataRoot: root))
        }
        assertDataError(try load(101, nil, 1), contains: ["seq-cifar100", "puts 101 classes in task 0", "only 100 classes"])
        assertDataError(try load(10, 20, nil), contains: ["C0 + (T−1)·K = 10 + 9·20 = 190", "only 100"])
        assertDataError(try load(nil, nil, 0), contains: ["at least 1 task", "T = 0"])
        assertDataError(try load(0, nil, nil), contains: ["at least 1 class in task 0"])
        assertDataError(try load(nil, 0, nil), contains: ["at least 1 class per later task"])
        assertDataError(try Benchmark.named("seq-imagenet"), contains: ["unknown benchmark 'seq-imagenet'", "seq-cifar100-b50", "seq-tinyimg"])
        XCTAssertNoThrow(try load(100, 0, 1), "one task with every class is valid")
    }

    func testGeometryArithmetic() {
        let g = TaskGeometry(initialClasses: 50, classesPerTask: 10, tasks: 6)
        XCTAssertEqual(g.totalClasses, 100)
        XCTAssertEqual(g.description, "50+10×5")
        XCTAssertEqual(g.classes(ofTask: 2), 60..<70)
        XCTAssertEqual(g.task(ofClass: 49), 0)
        XCTAssertEqual(g.task(ofClass: 50), 1)
        XCTAssertEqual(g.task(ofClass: 99), 5)
        XCTAssertNil(g.task(ofClass: 100))
    }

    func testSpecsMatchTheReferenceTable() throws {
        let expected: [(String, String, String, Normalization?, Augmentation)] = [
            ("seq-digits", "digits", "2+2×4", nil, .none), ("seq-mnist5k", "mnist5k", "2+2×4", nil, .none),
            ("seq-mnist", "mnist", "2+2×4", nil, .none), ("seq-fmnist", "fashion-mnist", "2+2×4", nil, .none),
            ("seq-cifar10", "cifar10", "2+2×4", .cifar10, .cropAndFlip), ("seq-cifar100", "cifar100", "10+10×9", .cifar100, .cropAndFlip),
            ("seq-cifar100-b50", "cifar100", "50+10×5", .cifar100, .cropAndFlip), ("seq-tinyimg", "tiny-imagenet", "20+20×9", .tinyImageNet, .cropAndFlip),
        ]
        XCTAssertEqual(BenchmarkSpec.all.map(\.name), expected.map(\.0))
        for (name, dataset, geometry, normalization, augmentation) in expected {
            let spec = try BenchmarkSpec.named(name)
            XCTAssertEqual(spec.dataset, dataset)
            XCTAssertEqual(spec.geometry.description, geometry)
            XCTAssertEqual(spec.normalization, normalization)
            XCTAssertEqual(spec.augmentation, augmentation)
        }
        XCTAssertEqual(Normalization.tinyImageNet.std, [0.2770, 0.2691, 0.2821])
        XCTAssertEqual(Normalization.cifar10.mean, [0.4914, 0.4822, 0.4465])
    }

    func testBenchmarkFromSwiftArraysInOneCall() throws {
        // 3 classes × 10 images of 1×2×2, no test set: split 80/20 per class.
        let labels = (0..<30).map { $0 % 3 }
        let images = try ImageSet(name: "toy", channels: 1, height: 2, width: 2, floats: (0..<120).map { Float($0) }, labels: labels)
        let bench = try Benchmark(name: "toy", train: images, test: nil, geometry: TaskGeometry(initialClasses: 1, classesPerTask: 2, tasks: 2))
        XCTAssertEqual(bench.description, "toy: 2 tasks (1+2 classes) · 24 train / 6 test · 1×2×2")
        XCTAssertEqual(bench.tasks[1].testIndices.count, 4)
        let mismatched = try ImageSet(name: "t", channels: 1, height: 3, width: 3, floats: [Float](repeating: 0, count: 9), labels: [0])
        assertDataError(try Benchmark(name: "bad", train: images, test: mismatched, geometry: TaskGeometry(initialClasses: 1, classesPerTask: 1, tasks: 2)),
                        contains: ["bad", "1×2×2", "1×3×3"])
        XCTAssertNoThrow(try images.checkIndices([0, 29]))
        assertDataError(try images.checkIndices([3, 30]), contains: ["toy", "image index 30 is outside 0..<30"])
        assertDataError(try ImageSet(name: "few", channels: 1, height: 2, width: 2, floats: [1, 2, 3], labels: [0]),
                        contains: ["few", "1 labels need 4 pixels", "found 3"])
    }
}

/// The benchmark recipe a snapshot stores: typed in memory, the same flat strings on disk.
final class BenchmarkRecipeTests: XCTestCase {
    func testTheStoredFormIsTheFlatDictionarySnapshotsAlwaysHad() throws {
        var r = BenchmarkRecipe(name: "seq-digits")
        r.classOrderSeed = 7; r.tasks = 5; r.trainLimit = 40
        XCTAssertEqual(r.dictionary, ["name": "seq-digits", "class_order_seed": "7", "t": "5", "limit": "40"])
        let json = try JSONEncoder().encode(r)
        XCTAssertEqual(try JSONDecoder().decode([String: String].self, from: json), r.dictionary)
        // A snapshot written before the type existed decodes to the same recipe.
        let old = #"{"name":"seq-digits","class_order_seed":"7","t":"5","limit":"40"}"#
        XCTAssertEqual(try JSONDecoder().decode(BenchmarkRecipe.self, from: Data(old.utf8)), r)
        XCTAssertEqual(try r.load().description, try Benchmark.named("seq-digits", options: BenchmarkOptions(tasks: 5, classOrderSeed: 7)).description)
    }

    func testARecipeWithoutANameSaysSo() throws {
        let r = try JSONDecoder().decode(BenchmarkRecipe.self, from: Data(#"{"t":"5","c0":"x"}"#.utf8))
        XCTAssertEqual(r.tasks, 5)
        XCTAssertNil(r.initialClasses, "an unreadable number counts as not given")
        XCTAssertThrowsError(try r.load()) { XCTAssertTrue("\($0)".contains("does not say which benchmark"), "\($0)") }
    }
}
