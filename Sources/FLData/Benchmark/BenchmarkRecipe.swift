import Foundation

/// How a benchmark was made — a catalogue name with its options, or an `.npz` of the user's —
/// as a snapshot keeps it, so that restoring loads the same data with no help from the language
/// layer. On disk it is the flat dictionary of strings snapshots have always stored.
public struct BenchmarkRecipe: Codable, Equatable, Sendable {
    public var name: String
    public var initialClasses: Int? = nil, classesPerTask: Int? = nil, tasks: Int? = nil
    public var classOrderSeed: UInt64? = nil
    public var dataRoot: String? = nil
    public var validationPercent: Int? = nil
    /// The `.npz` file of `benchmark_npz`; nil for the catalogue's benchmarks.
    public var npz: String? = nil
    /// At most this many training / test images per task, a seeded subset (FLCore's `SubsetData`).
    public var trainLimit: Int? = nil, testLimit: Int? = nil

    public init(name: String) { self.name = name }

    /// The full benchmark (a subset, if any, is taken by the caller).
    public func load() throws -> Benchmark {
        guard !name.isEmpty else { throw DataError(path: nil, "the snapshot does not say which benchmark it used") }
        if let npz {
            let g = TaskGeometry(initialClasses: initialClasses ?? 2, classesPerTask: classesPerTask ?? 2, tasks: tasks ?? 5)
            return try Benchmark.fromNPZ(npz, name: name, geometry: g, classOrderSeed: classOrderSeed)
        }
        var o = BenchmarkOptions()
        o.initialClasses = initialClasses; o.classesPerTask = classesPerTask; o.tasks = tasks
        o.classOrderSeed = classOrderSeed; o.dataRoot = dataRoot; o.validationPercent = validationPercent
        return try Benchmark.named(name, options: o)
    }

    private static let keys = ["c0", "k", "t", "class_order_seed", "root", "validation", "npz", "limit", "test_limit"]

    /// The stored form: "name" and the options given, each as a string.
    public var dictionary: [String: String] {
        var d = ["name": name]
        let values: [String?] = [initialClasses.map(String.init), classesPerTask.map(String.init), tasks.map(String.init),
                                 classOrderSeed.map(String.init), dataRoot, validationPercent.map(String.init), npz,
                                 trainLimit.map(String.init), testLimit.map(String.init)]
        for (k, v) in zip(Self.keys, values) { if let v { d[k] = v } }
        return d
    }

    /// Reads the stored form; unreadable numbers count as not given, as they always have.
    public init(dictionary d: [String: String]) {
        name = d["name"] ?? ""
        initialClasses = d["c0"].flatMap { Int($0) }; classesPerTask = d["k"].flatMap { Int($0) }; tasks = d["t"].flatMap { Int($0) }
        classOrderSeed = d["class_order_seed"].flatMap { UInt64($0) }
        dataRoot = d["root"]
        validationPercent = d["validation"].flatMap { Int($0) }
        npz = d["npz"]
        trainLimit = d["limit"].flatMap { Int($0) }; testLimit = d["test_limit"].flatMap { Int($0) }
    }

    public init(from decoder: Decoder) throws { self.init(dictionary: try [String: String](from: decoder)) }
    public func encode(to encoder: Encoder) throws { try dictionary.encode(to: encoder) }
}
