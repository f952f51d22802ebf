import Foundation
import FLTensor
import FLData
import FLCore

/// A class-incremental benchmark as a value.
public final class BenchmarkObject: ScriptObject {
    public let data: ContinualData
    /// How to load it again (snapshots, notebooks): name, seed, geometry, data root.
    public let recipe: BenchmarkRecipe
    init(data: ContinualData, recipe: BenchmarkRecipe) { self.data = data; self.recipe = recipe }

    var benchmark: Benchmark? { (data as? BenchmarkData)?.benchmark ?? ((data as? SubsetData)?.baseData as? BenchmarkData)?.benchmark }

    public var typeName: String { "benchmark" }
    public var typeSummary: String { "A class-incremental benchmark: tasks of classes, train and test images." }
    public var length: Int? { data.geometry.tasks }
    public var description: String {
        let g = data.geometry
        let train = (0..<g.tasks).reduce(0) { $0 + data.trainIndices(task: $1).count }
        let test = (0..<g.tasks).reduce(0) { $0 + data.testIndices(task: $1).count }
        var s = "\(data.name): \(g.tasks) tasks (\(g.sizesDescription) classes) · \(train) train / \(test) test · \(data.inputShape.map(String.init).joined(separator: "×"))"
        if let seed = benchmark?.classOrderSeed { s += " · class order seed \(seed)" }
        return s
    }
    public var members: [MemberInfo] {
        [MemberInfo("name", "benchmark name"), MemberInfo("tasks", "number of tasks T"), MemberInfo("classes", "classes in all tasks N"),
         MemberInfo("c0", "classes of task 0"), MemberInfo("k", "classes per later task"), MemberInfo("shape", "[C, H, W]"),
         MemberInfo("class_order", "original label of each relabelled class"),
         .method("task_classes", "the classes of task t"), .method("train_count", "training images of task t"),
         .method("test_count", "test images of task t"), .method("images", "n training images of task t (normalized)"),
         .method("labels", "labels of those images")]
    }
    public func member(_ name: String) throws -> Value? {
        let g = data.geometry
        func m(_ n: String, _ p: [Builtin.Parameter], _ s: String, _ body: @escaping (CallArguments) throws -> Value) -> Value {
            .builtin(Builtin("benchmark.\(n)", summary: s, parameters: p, body: body))
        }
        func task(_ a: CallArguments) throws -> Int {
            let t = try a.int("t")
            guard t >= 0 && t < g.tasks else { throw ScriptError("t: task \(t) out of range 0…\(g.tasks - 1)", argument: "t") }
            return t
        }
        switch name {
        case "name": return Value(data.name)
        case "tasks": return Value(g.tasks)
        case "classes": return Value(g.totalClasses)
        case "c0": return Value(g.initialClasses)
        case "k": return Value(g.classesPerTask)
        case "shape": return Value(data.inputShape.map { Value($0) })
        case "class_order": return Value((benchmark?.classOrder ?? Array(0..<g.totalClasses)).map { Value($0) })
        case "task_classes":
            return m(name, [.required("t", "task")], "classes of task t") { a in Value(g.classes(ofTask: try task(a)).map { Value($0) }) }
        case "train_count":
            return m(name, [.required("t", "task")], "training images of task t") { a in Value(self.data.trainIndices(task: try task(a)).count) }
        case "test_count":
            return m(name, [.required("t", "task")], "test images of task t") { a in Value(self.data.testIndices(task: try task(a)).count) }
        case "images", "labels":
            return m(name, [.required("t", "task"), .optional("n", default: 8, "how many")], "samples of task t") { a in
                let idx = Array(self.data.trainIndices(task: try task(a)).prefix(max(0, try a.int("n"))))
                if name == "labels" { return Value(self.data.trainLabels(idx).map { Value($0) }) }
                return .object(TensorObject(self.data.trainImages(idx, augmentationSeed: nil)))
            }
        default: return nil
        }
    }
}
