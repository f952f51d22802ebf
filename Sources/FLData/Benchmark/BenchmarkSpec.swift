/// A named class-incremental benchmark: which dataset, its task geometry, normalization and
/// train-time augmentation (FLASHBACK.md §4). Every field can be overridden when loading.
public struct BenchmarkSpec: Sendable, Equatable {
    /// "seq-cifar10".
    public let name: String
    /// The dataset in `DatasetCatalog` ("cifar10").
    public let dataset: String
    public var geometry: TaskGeometry
    /// nil: pixels stay in [0, 1].
    public var normalization: Normalization?
    /// Applied to training batches only.
    public var augmentation: Augmentation

    /// The benchmarks flnb knows by name.
    public static let all: [BenchmarkSpec] = [
        BenchmarkSpec(name: "seq-digits", dataset: "digits", geometry: .init(initialClasses: 2, classesPerTask: 2, tasks: 5),
                      normalization: nil, augmentation: .none),
        BenchmarkSpec(name: "seq-mnist5k", dataset: "mnist5k", geometry: .init(initialClasses: 2, classesPerTask: 2, tasks: 5),
                      normalization: nil, augmentation: .none),
        BenchmarkSpec(name: "seq-mnist", dataset: "mnist", geometry: .init(initialClasses: 2, classesPerTask: 2, tasks: 5),
                      normalization: nil, augmentation: .none),
        BenchmarkSpec(name: "seq-fmnist", dataset: "fashion-mnist", geometry: .init(initialClasses: 2, classesPerTask: 2, tasks: 5),
                      normalization: nil, augmentation: .none),
        BenchmarkSpec(name: "seq-cifar10", dataset: "cifar10", geometry: .init(initialClasses: 2, classesPerTask: 2, tasks: 5),
                      normalization: .cifar10, augmentation: .cropAndFlip),
        BenchmarkSpec(name: "seq-cifar100", dataset: "cifar100", geometry: .init(initialClasses: 10, classesPerTask: 10, tasks: 10),
                      normalization: .cifar100, augmentation: .cropAndFlip),
        BenchmarkSpec(name: "seq-cifar100-b50", dataset: "cifar100", geometry: .init(initialClasses: 50, classesPerTask: 10, tasks: 6),
                      normalization: .cifar100, augmentation: .cropAndFlip),
        BenchmarkSpec(name: "seq-tinyimg", dataset: "tiny-imagenet", geometry: .init(initialClasses: 20, classesPerTask: 20, tasks: 10),
                      normalization: .tinyImageNet, augmentation: .cropAndFlip),
    ]

    /// Other names the reference implementations use for the same benchmarks.
    public static let aliases: [String: String] = ["seq-tinyimagenet": "seq-tinyimg", "seq-tiny-imagenet": "seq-tinyimg",
                                                   "seq-fashion-mnist": "seq-fmnist"]

    /// The spec called `name` (or one of its `aliases`); the error lists the known names.
    public static func named(_ name: String) throws -> BenchmarkSpec {
        let key = aliases[name.lowercased()] ?? name.lowercased()
        if let spec = all.first(where: { $0.name == key }) { return spec }
        throw DataError(path: nil, "unknown benchmark '\(name)'; known: \(all.map(\.name).joined(separator: ", "))")
    }
}

/// Overrides for loading a named benchmark; nil fields keep the spec's value.
public struct BenchmarkOptions: Sendable, Equatable {
    /// C0.
    public var initialClasses: Int?
    /// K.
    public var classesPerTask: Int?
    /// T.
    public var tasks: Int?
    /// Permute the class order with this seed; nil keeps the natural label order.
    public var classOrderSeed: UInt64?
    /// The data folder; nil resolves it (`FLNB_DATA`, then the project's `data/`).
    public var dataRoot: String?
    /// Replace the spec's augmentation.
    public var augmentation: Augmentation?
    /// false drops the spec's normalization (pixels stay in [0, 1]).
    public var normalize: Bool
    /// When set (1…99), a stratified share of the training set, held out with a fixed seed,
    /// replaces the test set: for choosing hyper-parameters without looking at the test set.
    public var validationPercent: Int?

    public init(initialClasses: Int? = nil, classesPerTask: Int? = nil, tasks: Int? = nil, classOrderSeed: UInt64? = nil,
                dataRoot: String? = nil, augmentation: Augmentation? = nil, normalize: Bool = true, validationPercent: Int? = nil) {
        self.validationPercent = validationPercent
        self.initialClasses = initialClasses
        self.classesPerTask = classesPerTask
        self.tasks = tasks
        self.classOrderSeed = classOrderSeed
        self.dataRoot = dataRoot
        self.augmentation = augmentation
        self.normalize = normalize
    }
}
