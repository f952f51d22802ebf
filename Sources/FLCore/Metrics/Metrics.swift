import Foundation
import FLTensor
import FLData

/// Accuracy bookkeeping of a class-incremental run (FLASHBACK.md §5).
///
/// `R[i][j]` is the accuracy (percent) on task j after training task i, for j ≤ i; one matrix
/// for class-IL (argmax over all outputs) and one for task-IL (columns of the task only).
/// Entries not yet measured are nil.
public struct AccuracyMatrix: Codable, Equatable, Sendable {
    public var values: [[Double?]]
    public init(tasks: Int) { values = Array(repeating: Array(repeating: nil, count: tasks), count: tasks) }
    public init(_ rows: [[Double?]]) { values = rows }
    public var tasks: Int { values.count }
    public subscript(i: Int, j: Int) -> Double? {
        get { values[i][j] }
        set { values[i][j] = newValue }
    }
    /// Index of the last row with a measurement, or nil when nothing is measured yet.
    public var lastRow: Int? { values.lastIndex { row in row.contains { $0 != nil } } }
}

/// Summary metrics computed from an accuracy matrix (all in percent, or points for differences).
public struct MetricSummary: Codable, Equatable, Sendable {
    /// Mean over j of R[last][j].
    public var finalAverageAccuracy: Double
    /// Mean over i of the mean over j ≤ i of R[i][j].
    public var averageIncrementalAccuracy: Double
    /// Mean over j < last of (max_{i<last} R[i][j] − R[last][j]).
    public var forgetting: Double?
    /// Mean over j < last of (R[last][j] − R[j][j]).
    public var backwardTransfer: Double?
    /// Mean over j ≥ 1 of (R[j−1][j] − accuracy of the random initial model on task j).
    public var forwardTransfer: Double?
    /// Mean over t ≥ 1 of the mean over j < t of R[t][j].
    public var stability: Double?
    /// Mean over t ≥ 1 of R[t][t].
    public var plasticity: Double?
    /// stability / plasticity.
    public var stabilityPlasticityRatio: Double?
    /// 2SP / (S + P).
    public var harmonicMean: Double?
    /// The task after which these were measured.
    public var lastTask: Int
}

/// Computes the metrics of FLASHBACK.md §5.
public enum MetricsCalculator {
    static func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }

    /// Metrics of `r` up to its last measured row. `preTask[j]` is R[j−1][j] (accuracy on task j
    /// before training it) and `randomInit[j]` the accuracy of the untrained model on task j.
    public static func summarize(_ r: AccuracyMatrix, preTask: [Double?] = [], randomInit: [Double?] = []) -> MetricSummary? {
        guard let last = r.lastRow else { return nil }
        let finalRow = (0...last).compactMap { r[last, $0] }
        guard let faa = mean(finalRow) else { return nil }
        let aia = mean((0...last).compactMap { i in mean((0...i).compactMap { r[i, $0] }) }) ?? faa
        var forgetting: Double? = nil, bwt: Double? = nil
        if last > 0 {
            forgetting = mean((0..<last).compactMap { j -> Double? in
                let prev = (j..<last).compactMap { r[$0, j] }
                guard let best = prev.max(), let now = r[last, j] else { return nil }
                return best - now
            })
            bwt = mean((0..<last).compactMap { j -> Double? in
                guard let now = r[last, j], let then = r[j, j] else { return nil }
                return now - then
            })
        }
        var fwt: Double? = nil
        if last > 0 {
            fwt = mean((1...last).compactMap { j -> Double? in
                guard j < preTask.count, j < randomInit.count, let before = preTask[j], let rand = randomInit[j] else { return nil }
                return before - rand
            })
        }
        var s: Double? = nil, p: Double? = nil
        if last > 0 {
            s = mean((1...last).compactMap { t in mean((0..<t).compactMap { r[t, $0] }) })
            p = mean((1...last).compactMap { r[$0, $0] })
        }
        var ratio: Double? = nil, hm: Double? = nil
        if let s, let p {
            ratio = p > 0 ? s / p : nil
            hm = s + p > 0 ? 2 * s * p / (s + p) : 0
        }
        return MetricSummary(finalAverageAccuracy: faa, averageIncrementalAccuracy: aia, forgetting: forgetting,
                             backwardTransfer: bwt, forwardTransfer: fwt, stability: s, plasticity: p,
                             stabilityPlasticityRatio: ratio, harmonicMean: hm, lastTask: last)
    }
}

/// Wall time and throughput of one task.
public struct TaskTiming: Codable, Equatable, Sendable {
    public var task: Int
    public var seconds: Double = 0
    public var images: Int = 0
    public var phaseSeconds: [String: Double] = [:]
    public var imagesPerSecond: Double { seconds > 0 ? Double(images) / seconds : 0 }
}

/// Everything measured during a run: both accuracy matrices, the extra rows FWT needs, timing.
public struct RunMetrics: Codable, Equatable, Sendable {
    public var classIL: AccuracyMatrix
    public var taskIL: AccuracyMatrix
    /// Class-IL accuracy on task j measured before training it (R[j−1][j]).
    public var preTaskClassIL: [Double?]
    public var preTaskTaskIL: [Double?]
    /// Accuracy of the randomly initialized model on each task.
    public var randomInitClassIL: [Double?]
    public var randomInitTaskIL: [Double?]
    /// Extra accuracy rows some methods report (e.g. iCaRL's linear head beside its NMC).
    public var extra: [String: AccuracyMatrix] = [:]
    public var timing: [TaskTiming] = []
    /// Mean training loss per (task, phase, epoch), for curves.
    public var lossLog: [LossLogEntry] = []

    public init(tasks: Int) {
        classIL = AccuracyMatrix(tasks: tasks); taskIL = AccuracyMatrix(tasks: tasks)
        preTaskClassIL = Array(repeating: nil, count: tasks); preTaskTaskIL = preTaskClassIL
        randomInitClassIL = preTaskClassIL; randomInitTaskIL = preTaskClassIL
    }

    public var classILSummary: MetricSummary? {
        MetricsCalculator.summarize(classIL, preTask: preTaskClassIL, randomInit: randomInitClassIL)
    }
    public var taskILSummary: MetricSummary? {
        MetricsCalculator.summarize(taskIL, preTask: preTaskTaskIL, randomInit: randomInitTaskIL)
    }
}

public struct LossLogEntry: Codable, Equatable, Sendable {
    public var task: Int, phase: String, epoch: Int
    public var meanLoss: Double
    public var batches: Int
}

// MARK: - Export

extension RunMetrics {
    /// JSON with both matrices, summaries and timing.
    public func jsonString() -> String {
        func num(_ x: Double?) -> String { x.map { $0.isFinite ? String(format: "%.4f", $0) : "null" } ?? "null" }
        func matrix(_ m: AccuracyMatrix) -> String {
            "[" + m.values.map { "[" + $0.map(num).joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
        }
        func summary(_ s: MetricSummary?) -> String {
            guard let s else { return "null" }
            let pairs: [(String, Double?)] = [
                ("final_avg_acc", s.finalAverageAccuracy), ("avg_incremental_acc", s.averageIncrementalAccuracy),
                ("forgetting", s.forgetting), ("bwt", s.backwardTransfer), ("fwt", s.forwardTransfer),
                ("stability", s.stability), ("plasticity", s.plasticity),
                ("sp_ratio", s.stabilityPlasticityRatio), ("sp_harmonic_mean", s.harmonicMean),
            ]
            return "{" + pairs.map { "\"\($0.0)\": \(num($0.1))" }.joined(separator: ", ") + ", \"last_task\": \(s.lastTask)}"
        }
        var parts = [
            "\"class_il\": {\"accuracy\": \(matrix(classIL)), \"summary\": \(summary(classILSummary))}",
            "\"task_il\": {\"accuracy\": \(matrix(taskIL)), \"summary\": \(summary(taskILSummary))}",
        ]
        for (k, m) in extra.sorted(by: { $0.key < $1.key }) {
            parts.append("\"\(k)\": {\"accuracy\": \(matrix(m)), \"summary\": \(summary(MetricsCalculator.summarize(m)))}")
        }
        let t = timing.map { "{\"task\": \($0.task), \"seconds\": \(num($0.seconds)), \"images\": \($0.images), \"img_s\": \(num($0.imagesPerSecond))}" }
        parts.append("\"timing\": [" + t.joined(separator: ", ") + "]")
        return "{" + parts.joined(separator: ", ") + "}"
    }

    /// CSV: one row per (setting, i, j) accuracy entry, then one row per summary metric.
    public func csvString() -> String {
        var lines = ["setting,kind,row,col,value"]
        for (name, m) in [("class_il", classIL), ("task_il", taskIL)] + extra.sorted(by: { $0.key < $1.key }).map({ ($0.key, $0.value) }) {
            for i in 0..<m.tasks { for j in 0..<m.tasks { if let v = m[i, j] { lines.append("\(name),accuracy,\(i),\(j),\(String(format: "%.4f", v))") } } }
        }
        for (name, s) in [("class_il", classILSummary), ("task_il", taskILSummary)] {
            guard let s else { continue }
            let pairs: [(String, Double?)] = [
                ("final_avg_acc", s.finalAverageAccuracy), ("avg_incremental_acc", s.averageIncrementalAccuracy),
                ("forgetting", s.forgetting), ("bwt", s.backwardTransfer), ("fwt", s.forwardTransfer),
                ("stability", s.stability), ("plasticity", s.plasticity),
                ("sp_ratio", s.stabilityPlasticityRatio), ("sp_harmonic_mean", s.harmonicMean),
            ]
            for (k, v) in pairs { if let v { lines.append("\(name),\(k),,,\(String(format: "%.4f", v))") } }
        }
        for t in timing { lines.append("timing,seconds,\(t.task),,\(String(format: "%.3f", t.seconds))") }
        return lines.joined(separator: "\n") + "\n"
    }
}
