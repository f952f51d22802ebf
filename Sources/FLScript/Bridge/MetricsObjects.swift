import Foundation
import FLTensor
import FLCore

/// An accuracy matrix R[i][j] as a value: printed as a table, indexable, plottable.
public final class AccuracyObject: ScriptObject {
    public let matrix: AccuracyMatrix
    let title: String
    init(_ m: AccuracyMatrix, title: String) { matrix = m; self.title = title }
    public var typeName: String { "accuracy" }
    public var typeSummary: String { "R[i][j]: accuracy (%) on task j after training task i; plot() draws it." }
    public var length: Int? { matrix.tasks }
    public var description: String {
        let n = matrix.tasks
        var lines = [title, "after\\on " + (0..<n).map { String(format: "%7d", $0) }.joined()]
        for i in 0..<n {
            guard matrix.values[i].contains(where: { $0 != nil }) else { continue }
            lines.append(String(format: "%9d ", i) + (0..<n).map { j in matrix[i, j].map { String(format: "%7.2f", $0) } ?? "      ·" }.joined())
        }
        if lines.count == 2 { lines.append("  (no task finished yet)") }
        return lines.joined(separator: "\n")
    }
    public var members: [MemberInfo] {
        [MemberInfo("tasks", "number of tasks"), MemberInfo("rows", "rows measured so far"), .method("tolist", "nested lists (nil where not measured)"),
         MemberInfo("last", "the last measured row")]
    }
    public func member(_ name: String) throws -> Value? {
        switch name {
        case "tasks": return Value(matrix.tasks)
        case "rows": return Value((matrix.lastRow ?? -1) + 1)
        case "last":
            guard let r = matrix.lastRow else { return .null }
            return Value((0...r).map { matrix[r, $0].map { Value($0) } ?? .null })
        case "tolist":
            return .builtin(Builtin("accuracy.tolist", summary: "nested lists") { _ in
                Value(self.matrix.values.map { Value($0.map { $0.map { Value($0) } ?? .null }) })
            })
        default: return nil
        }
    }
    public func subscriptGet(_ index: [IndexComponent]) throws -> Value {
        var idx: [Int] = []
        for c in index {
            guard case .value(.number(let x)) = c, let i = Value.exactInt(x), i >= 0, i < matrix.tasks else {
                throw ScriptError("accuracy[i, j]: indices are task numbers 0…\(matrix.tasks - 1)")
            }
            idx.append(i)
        }
        if idx.count == 2 { return matrix[idx[0], idx[1]].map { Value($0) } ?? .null }
        if idx.count == 1 { return Value(matrix.values[idx[0]].map { $0.map { Value($0) } ?? .null }) }
        throw ScriptError("accuracy takes one or two indices")
    }
}

/// The summary metrics of a run (FLASHBACK.md §5), class-IL and task-IL.
public final class MetricsObject: ScriptObject {
    let metrics: RunMetrics
    init(_ m: RunMetrics) { metrics = m }
    public var typeName: String { "metrics" }
    public var typeSummary: String { "Final and incremental accuracy, forgetting, BWT, FWT, stability, plasticity (class-IL and task-IL)." }

    nonisolated(unsafe) static let keys: [(String, String, (MetricSummary) -> Double?)] = [
        ("avg_acc", "final average accuracy", { $0.finalAverageAccuracy }),
        ("avg_inc_acc", "average incremental accuracy", { $0.averageIncrementalAccuracy }),
        ("forgetting", "mean forgetting", { $0.forgetting }), ("bwt", "backward transfer", { $0.backwardTransfer }),
        ("fwt", "forward transfer", { $0.forwardTransfer }), ("stability", "mean accuracy on old tasks", { $0.stability }),
        ("plasticity", "mean accuracy on the newest task", { $0.plasticity }),
        ("sp_ratio", "stability / plasticity", { $0.stabilityPlasticityRatio }), ("sp_hmean", "harmonic mean of S and P", { $0.harmonicMean }),
    ]

    public var description: String {
        guard let c = metrics.classILSummary else { return "metrics: no task finished yet" }
        let t = metrics.taskILSummary
        var lines = ["metric".padding(toLength: 14, withPad: " ", startingAt: 0) + "  class-IL   task-IL"]
        for (k, _, f) in MetricsObject.keys {
            // + 0.0 turns −0 into 0 so a zero never prints as "-0.00".
            func fmt(_ x: Double?) -> String { x.map { String(format: "%9.2f", $0 + 0.0) } ?? "        –" }
            lines.append(k.padding(toLength: 14, withPad: " ", startingAt: 0) + " " + fmt(f(c)) + " " + fmt(t.flatMap(f)))
        }
        let secs = metrics.timing.reduce(0) { $0 + $1.seconds }
        let imgs = metrics.timing.reduce(0) { $0 + $1.images }
        lines.append(String(format: "time           %.2f s · %.0f img/s", secs, secs > 0 ? Double(imgs) / secs : 0))
        return lines.joined(separator: "\n")
    }

    public var members: [MemberInfo] {
        MetricsObject.keys.map { MemberInfo($0.0, "class-IL " + $0.1) } + MetricsObject.keys.map { MemberInfo("task_il_" + $0.0, "task-IL " + $0.1) } +
            [MemberInfo("seconds", "training wall time"), .method("to_json", "write metrics as JSON"), .method("to_csv", "write metrics as CSV"),
             MemberInfo("json", "metrics as JSON text")]
    }

    public func member(_ name: String) throws -> Value? {
        if let k = MetricsObject.keys.first(where: { $0.0 == name }) { return metrics.classILSummary.flatMap(k.2).map { Value($0) } ?? .null }
        if name.hasPrefix("task_il_"), let k = MetricsObject.keys.first(where: { "task_il_" + $0.0 == name }) {
            return metrics.taskILSummary.flatMap(k.2).map { Value($0) } ?? .null
        }
        switch name {
        case "seconds": return Value(metrics.timing.reduce(0) { $0 + $1.seconds })
        case "json": return Value(metrics.jsonString())
        case "to_json", "to_csv":
            return .builtin(Builtin("metrics.\(name)", summary: "write metrics", parameters: [.required("path", "file to write")]) { a in
                let text = name == "to_json" ? self.metrics.jsonString() : self.metrics.csvString()
                try AtomicFile.write(text, to: try a.string("path"))
                return .null
            })
        default: return nil
        }
    }
}
