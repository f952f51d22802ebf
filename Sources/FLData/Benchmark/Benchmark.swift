import Foundation
import FLTensor

/// One task of a benchmark: its classes (after relabelling) and its images.
public struct BenchmarkTask: Sendable, Equatable {
    /// 0-based task number.
    public let id: Int
    /// The relabelled classes of the task, [offset, offset + size).
    public let classes: Range<Int>
    /// Indices into `Benchmark.train`, ascending.
    public let trainIndices: [Int]
    /// Indices into `Benchmark.test`, ascending.
    public let testIndices: [Int]
}

/// A class-incremental benchmark: train and test images split into tasks by class.
///
/// Classes are relabelled so that task t holds the contiguous labels
/// [offset_t, offset_t + size_t) (see `TaskGeometry`): with the natural order, new label =
/// original label; with a class-order seed s, `classOrder = RNG(seed: s).permutation(classCount)`
/// and new label k is original class `classOrder[k]`. `train` and `test` carry the new labels.
/// Classes beyond C0 + (T−1)K are in no task and never reach a loader.
public struct Benchmark: Sendable {
    public let name: String
    public let geometry: TaskGeometry
    /// Training images, relabelled.
    public let train: ImageSet
    /// Test images, relabelled.
    public let test: ImageSet
    /// `classOrder[newLabel]` is the original label.
    public let classOrder: [Int]
    /// The seed that permuted the classes, or nil for the natural order.
    public let classOrderSeed: UInt64?
    public let tasks: [BenchmarkTask]
    /// Normalizes train batches and applies the augmentation.
    public let trainTransform: ImageTransform
    /// Normalizes test batches (never augments).
    public let testTransform: ImageTransform

    /// A benchmark over given images (the one-call "bring your own" entry point).
    /// - Parameters:
    ///   - test: nil splits `train` 80/20, stratified, with `StratifiedSplit`'s fixed seed.
    ///   - classOrderSeed: nil keeps the natural label order.
    ///   - normalization: nil keeps pixel values.
    public init(name: String, train: ImageSet, test: ImageSet?, geometry: TaskGeometry, classOrderSeed: UInt64? = nil,
                normalization: Normalization? = nil, augmentation: Augmentation = .none) throws {
        var (trainSet, testSet) = (train, test ?? train)
        if test == nil {
            let split = StratifiedSplit.split(labels: train.labels)
            trainSet = train.subset(split.train, name: "\(train.name) train")
            testSet = train.subset(split.test, name: "\(train.name) test")
        }
        guard (trainSet.channels, trainSet.height, trainSet.width) == (testSet.channels, testSet.height, testSet.width) else {
            throw DataError(path: nil, "\(name): train images are \(trainSet.shapeDescription) but test images are \(testSet.shapeDescription)")
        }
        let classCount = max(trainSet.classCount, testSet.classCount)
        try geometry.validate(classCount: classCount, benchmark: name)
        let order: [Int]
        if let seed = classOrderSeed {
            var rng = RNG(seed: seed)
            order = rng.permutation(classCount)
        } else {
            order = Array(0..<classCount)
        }
        var newLabel = [Int](repeating: 0, count: classCount)
        for (new, original) in order.enumerated() { newLabel[original] = new }
        self.name = name
        self.geometry = geometry
        self.classOrder = order
        self.classOrderSeed = classOrderSeed
        self.train = trainSet.relabelled(newLabel, classCount: classCount)
        self.test = testSet.relabelled(newLabel, classCount: classCount)
        let (trainByTask, testByTask) = (Benchmark.indicesByTask(self.train.labels, geometry), Benchmark.indicesByTask(self.test.labels, geometry))
        self.tasks = (0..<geometry.tasks).map {
            BenchmarkTask(id: $0, classes: geometry.classes(ofTask: $0), trainIndices: trainByTask[$0], testIndices: testByTask[$0])
        }
        for task in tasks where task.trainIndices.isEmpty {
            throw DataError(path: nil, "\(name): task \(task.id) (classes \(task.classes.lowerBound)–\(task.classes.upperBound - 1)) has no training images")
        }
        trainTransform = try ImageTransform(images: self.train, normalization: normalization, augmentation: augmentation)
        testTransform = try ImageTransform(images: self.test, normalization: normalization, augmentation: .none)
    }

    /// A named benchmark (`BenchmarkSpec.all`) read from the data folder, with optional overrides.
    public static func named(_ name: String, options: BenchmarkOptions = BenchmarkOptions()) throws -> Benchmark {
        var spec = try BenchmarkSpec.named(name)
        if let c0 = options.initialClasses { spec.geometry.initialClasses = c0 }
        if let k = options.classesPerTask { spec.geometry.classesPerTask = k }
        if let t = options.tasks { spec.geometry.tasks = t }
        if let augmentation = options.augmentation { spec.augmentation = augmentation }
        if !options.normalize { spec.normalization = nil }
        // Check what can be checked before reading (maybe large) files.
        if spec.geometry.tasks < 1 || spec.geometry.initialClasses < 1 {
            try spec.geometry.validate(classCount: Int.max, benchmark: spec.name)
        }
        var data = try DatasetCatalog.load(spec.dataset, root: DataRoot.resolve(options.dataRoot))
        var name = spec.name
        if let v = options.validationPercent {
            guard v >= 1 && v <= 99 else { throw DataError(path: nil, "\(spec.name): validation share must be 1…99 %, got \(v)") }
            // Hold out part of the training set; the test set is never read.
            let split = StratifiedSplit.split(labels: data.train.labels, testPercent: v, seed: StratifiedSplit.fixedSeed &+ 1)
            data = (data.train.subset(split.train, name: "\(data.train.name) train"), data.train.subset(split.test, name: "\(data.train.name) validation"))
            name += " (validation \(v)%)"
        }
        return try Benchmark(name: name, train: data.train, test: data.test, geometry: spec.geometry,
                             classOrderSeed: options.classOrderSeed, normalization: spec.normalization, augmentation: spec.augmentation)
    }

    /// A benchmark from NumPy arrays in an `.npz` file with keys `x_train`, `y_train` and,
    /// optionally, `x_test`, `y_test` (without them the train arrays are split 80/20).
    public static func fromNPZ(_ path: String, name: String? = nil, geometry: TaskGeometry, layout: ArrayImageReader.Layout = .auto,
                               classOrderSeed: UInt64? = nil, normalization: Normalization? = nil,
                               augmentation: Augmentation = .none) throws -> Benchmark {
        let label = name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let keys = try NPZ.keys(path)
        let train = try ArrayImageReader.readNPZ(path, images: "x_train", labels: "y_train", name: "\(label) train", layout: layout)
        let test = keys.contains("x_test")
            ? try ArrayImageReader.readNPZ(path, images: "x_test", labels: "y_test", name: "\(label) test", layout: layout) : nil
        return try Benchmark(name: label, train: train, test: test, geometry: geometry, classOrderSeed: classOrderSeed,
                             normalization: normalization, augmentation: augmentation)
    }

    /// A benchmark from `.npy` files: training images and labels, optional test images and labels.
    public static func fromNPY(trainImages: String, trainLabels: String, testImages: String? = nil, testLabels: String? = nil,
                               name: String = "custom", geometry: TaskGeometry, layout: ArrayImageReader.Layout = .auto,
                               classOrderSeed: UInt64? = nil, normalization: Normalization? = nil,
                               augmentation: Augmentation = .none) throws -> Benchmark {
        let train = try ArrayImageReader.read(images: trainImages, labels: trainLabels, name: "\(name) train", layout: layout)
        var test: ImageSet?
        if let testImages, let testLabels {
            test = try ArrayImageReader.read(images: testImages, labels: testLabels, name: "\(name) test", layout: layout)
        }
        return try Benchmark(name: name, train: train, test: test, geometry: geometry, classOrderSeed: classOrderSeed,
                             normalization: normalization, augmentation: augmentation)
    }

    private static func indicesByTask(_ labels: [Int], _ geometry: TaskGeometry) -> [[Int]] {
        var byTask = [[Int]](repeating: [], count: geometry.tasks)
        for (i, label) in labels.enumerated() {
            if let t = geometry.task(ofClass: label) { byTask[t].append(i) }
        }
        return byTask
    }

    /// Classes used by the tasks (C0 + (T−1)K): the width of a classifier head.
    public var classCount: Int { geometry.totalClasses }
    /// Training images that belong to a task.
    public var trainCount: Int { tasks.reduce(0) { $0 + $1.trainIndices.count } }
    /// Test images that belong to a task.
    public var testCount: Int { tasks.reduce(0) { $0 + $1.testIndices.count } }
    /// The normalization of both transforms.
    public var normalization: Normalization? { trainTransform.normalization }
    /// The training augmentation.
    public var augmentation: Augmentation { trainTransform.augmentation }

    /// The test indices of tasks 0…t (what is evaluated after task t).
    public func testIndices(throughTask t: Int) -> [Int] {
        tasks[0...t].flatMap(\.testIndices).sorted()
    }

    /// Per-task lines: classes, original labels when permuted, train and test counts.
    public var taskSummary: String {
        tasks.map { task in
            var line = "task \(task.id): classes \(task.classes.lowerBound)–\(task.classes.upperBound - 1)"
            if classOrderSeed != nil { line += " (original " + task.classes.map { String(classOrder[$0]) }.joined(separator: ", ") + ")" }
            return line + " · \(task.trainIndices.count) train / \(task.testIndices.count) test"
        }.joined(separator: "\n")
    }
}

extension Benchmark: CustomStringConvertible {
    /// "seq-digits: 5 tasks (2+2+2+2+2 classes) · 1437 train / 360 test · 1×8×8".
    public var description: String {
        var text = "\(name): \(geometry.tasks) task\(geometry.tasks == 1 ? "" : "s") (\(geometry.sizesDescription) classes) · \(trainCount) train / \(testCount) test · \(train.shapeDescription)"
        if let seed = classOrderSeed { text += " · class order seed \(seed)" }
        return text
    }
}
