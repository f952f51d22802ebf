import Foundation
import FLTensor
import FLCore

/// A continual-learning run at the prompt: step it, inspect it, swap its regularizers.
public final class ExperimentObject: ScriptObject {
    public let experiment: Experiment
    public var recipe: ExperimentRecipe
    let benchmark: BenchmarkObject
    let interpreterFlag: InterruptFlag
    /// Where notes for the user go (the interpreter's output).
    let write: (String) -> Void

    init(experiment: Experiment, recipe: ExperimentRecipe, benchmark: BenchmarkObject, interpreter: Interpreter) {
        self.experiment = experiment; self.recipe = recipe; self.benchmark = benchmark
        let interruptFlag = interpreter.interruptFlag
        self.interpreterFlag = interruptFlag
        self.write = { [weak interpreter] in interpreter?.write($0) }
        experiment.cancellation.externalCheck = { [weak interruptFlag] in interruptFlag?.isSet ?? false }
    }

    public var typeName: String { "experiment" }
    public var typeSummary: String { "A class-incremental run: step it, inspect knowledge bases and metrics, swap regularizers." }

    var headline: String {
        let e = experiment
        var s = "\(recipe.strategy)"
        if let fb = e.flashback { s += " + flashback(alpha_p: \(formatNumber(Double(fb.alphaP))), epochs: \(fb.config.epochs))" }
        return "experiment: \(s) on \(e.data.name) · \(recipe.backbone.description)"
    }

    public var description: String {
        let e = experiment
        var lines = [headline]
        lines.append("  at: \(e.cursor)")
        lines.append("  tasks done: \(e.completedTasks)/\(e.geometry.tasks)")
        if let c = e.metrics.classILSummary, let t = e.metrics.taskILSummary {
            lines.append(String(format: "  class-IL avg %.2f %% · task-IL avg %.2f %%", c.finalAverageAccuracy, t.finalAverageAccuracy))
        }
        if let s = e.strategy.stability { lines.append("  stability: \(s.description)") }
        if let fb = e.flashback { lines.append("  plasticity: \(fb.plasticity.description)") }
        return lines.joined(separator: "\n")
    }

    public var members: [MemberInfo] {
        [.method("step", "advance by \"batch\", \"epoch\", \"phase\", \"task\" (n times)"), .method("run", "train to the end"),
         MemberInfo("cursor", "where the run is (text)"), MemberInfo("task", "current task index"),
         MemberInfo("phase", "\"primary\" or \"flashback\""), MemberInfo("epoch", "epoch within the phase"),
         MemberInfo("batch", "next batch of the epoch"), MemberInfo("finished", "whether every task is done"),
         MemberInfo("model", "the network being trained"), MemberInfo("old_model", "θ*ₜ₋₁ (or nil)"),
         MemberInfo("primary_model", "θₚ after Phase 1 (or nil)"), MemberInfo("skb", "stable knowledge base"),
         MemberInfo("pkb", "plastic knowledge base"), MemberInfo("buffer", "replay buffer (or nil)"),
         MemberInfo("metrics", "accuracy metrics so far"), MemberInfo("accuracy", "class-IL accuracy matrix R[i][j]"),
         MemberInfo("task_accuracy", "task-IL accuracy matrix"), MemberInfo("losses", "mean training loss per epoch"),
         MemberInfo("stability", "the baseline's stability term (assignable)"),
         MemberInfo("plasticity", "Flashback's plasticity term (assignable)"),
         MemberInfo("history", "regularizer swaps so far"), MemberInfo("benchmark", "the benchmark"),
         MemberInfo("method", "the method's name"), MemberInfo("seed", "the run's seed"),
         .method("evaluate", "class-IL accuracy per seen task of a model (default: the run's)"),
         .method("save", "snapshot the whole run to a file (restore() forks it)")]
    }

    func units(_ s: String) throws -> StepUnit {
        if s == "unit" { return .all }  // handled separately
        guard let u = StepUnit(rawValue: s), u != .all else {
            throw ScriptError("unknown step unit '\(s)'; use \"batch\", \"epoch\", \"phase\" or \"task\"" + Suggestions.didYouMean(s, in: ["batch", "epoch", "phase", "task"]))
        }
        return u
    }

    /// Runs a step, reporting each batch to the interpreter's progress line; an interrupt
    /// becomes an `InterruptedStep` carrying the units completed, which replay it exactly.
    func doStep(_ body: () throws -> StepReport, interpreter: Interpreter) throws -> Value {
        let e = experiment
        let before = e.completedTasks
        let unitsBefore = e.unitsExecuted
        // Tasks and epochs numbered from 0, as the cursor numbers them: "task 0/5" is in task 0 of 5.
        e.onProgress = interpreter.progress.map { progress in { event in
            let c = event.cursor
            progress("task \(c.task)/\(event.tasks) \(c.phase.rawValue)", c.epoch * event.batchesPerEpoch + c.batch + 1,
                     max(1, event.epochsInPhase * event.batchesPerEpoch),
                     ["epoch": "\(c.epoch)/\(event.epochsInPhase)", "loss": String(format: "%.4f", event.loss),
                      "img/s": String(format: "%.0f", event.imagesPerSecond)])
        } }
        defer { e.onProgress = nil }
        let report = try body()
        for n in report.notes { interpreter.write("note: \(n)\n") }
        if report.interrupted {
            interpreterFlag.clear()
            throw InterruptedStep(message: "interrupted at \(e.cursor) after \(report.batches) batches; the run keeps the state of the last completed batch",
                                  units: e.unitsExecuted - unitsBefore)
        }
        return .object(StepResultObject(report: report, experiment: e, fromTask: before))
    }

    public func member(_ name: String) throws -> Value? {
        let e = experiment
        func m(_ n: String, _ p: [Builtin.Parameter], _ s: String, _ body: @escaping (CallArguments) throws -> Value) -> Value {
            .builtin(Builtin("experiment.\(n)", summary: s, parameters: p, body: body))
        }
        switch name {
        case "step":
            return m(name, [.optional("unit", default: "task", "\"batch\", \"epoch\", \"phase\" or \"task\""),
                            .optional("n", default: 1, "how many units")], "advance the run") { a in
                let unit = try a.string("unit")
                let n = try a.int("n")
                guard n >= 0 else { throw ScriptError("n must be ≥ 0, got \(n)", argument: "n") }
                // "unit" replays an interrupted step: it prints nothing, as the interrupted step printed
                // only its diagnostic.
                if unit == "unit" { _ = try self.doStep({ try e.stepUnits(n) }, interpreter: a.interpreter); return .null }
                let u = try self.units(unit)
                return try self.doStep({ try e.step(u, count: n) }, interpreter: a.interpreter)
            }
        case "run":
            return m(name, [], "train to the end") { a in try self.doStep({ try e.run() }, interpreter: a.interpreter) }
        case "cursor": return Value(e.cursor.description)
        case "task": return Value(e.cursor.task)
        case "phase": return Value(e.cursor.phase.rawValue)
        case "epoch": return Value(e.cursor.epoch)
        case "batch": return Value(e.cursor.batch)
        case "finished": return Value(e.isFinished)
        case "seed": return Value(Double(e.config.seed))
        case "method": return Value(recipe.strategy)
        case "benchmark": return .object(benchmark)
        case "model": return .object(ModelObject(network: e.net, spec: recipe.backbone))
        case "old_model": return e.oldModel.map { .object(ModelObject(network: $0, spec: recipe.backbone)) } ?? .null
        case "primary_model": return e.primaryModel.map { .object(ModelObject(network: $0, spec: recipe.backbone)) } ?? .null
        case "skb": return .object(KnowledgeBaseObject(e.skb, spec: recipe.backbone))
        case "pkb": return .object(KnowledgeBaseObject(e.pkb, spec: recipe.backbone))
        case "buffer": return e.buffer.map { .object(BufferObject($0, experiment: e)) } ?? .null
        case "metrics": return .object(MetricsObject(e.metrics))
        case "accuracy": return .object(AccuracyObject(e.metrics.classIL, title: "class-IL accuracy (%)"))
        case "task_accuracy": return .object(AccuracyObject(e.metrics.taskIL, title: "task-IL accuracy (%)"))
        case "losses": return Value(e.metrics.lossLog.map { Value($0.meanLoss) })
        case "history": return Value(e.history.map { Value($0) })
        case "stability": return e.strategy.stability.map { .object(RegularizerObject($0)) } ?? .null
        case "plasticity": return e.flashback.map { .object(RegularizerObject($0.plasticity)) } ?? .null
        case "evaluate":
            return m(name, [.optional("model", default: .null, "a model's logits (default: the run's own classifier, e.g. iCaRL's nearest mean)")],
                     "class-IL accuracy per seen task") { a in
                let last = min(e.cursor.task, e.geometry.tasks - 1)
                if a["model"].isNull { return Value(try (0...last).map { Value(try e.evaluate(task: $0).0) }) }
                guard case .object(let o as ModelObject) = a["model"] else {
                    throw ScriptError("model: expected a model, got \(a["model"].typeName)", argument: "model")
                }
                let net = try o.network()
                return Value(try (0...last).map { Value(try e.evaluate(task: $0, using: net).0) })
            }
        case "save":
            return m(name, [.required("path", "file to write")], "snapshot the run") { a in
                try Snapshot.save(e, recipe: self.recipe, to: try a.string("path")); return .null
            }
        default: return nil
        }
    }

    public func setMember(_ name: String, to value: Value) throws {
        let e = experiment
        switch name {
        case "stability":
            if value.isNull { try e.setStability(nil, record: "stability = nil"); return }
            guard case .object(let o as RegularizerObject) = value else {
                throw ScriptError("stability: expected a regularizer such as ewc(lambda: 15), got \(value.typeName)")
            }
            if let note = try e.setStability(try o.build(.old), record: "stability = \(o.source)") { write("note: \(note)\n") }
        case "plasticity":
            guard case .object(let o as RegularizerObject) = value else {
                throw ScriptError("plasticity: expected a regularizer such as logit_distillation(columns: \"new\"), got \(value.typeName)")
            }
            if let note = try e.setPlasticity(try o.build(.primary), record: "plasticity = \(o.source)") { write("note: \(note)\n") }
        default:
            if members.contains(where: { $0.name == name }) { throw ScriptError("member '\(name)' of experiment cannot be assigned") }
            throw ScriptError("experiment has no member '\(name)'" + Suggestions.didYouMean(name, in: members.map(\.name)))
        }
    }
}

/// What a step did, printed after it.
public final class StepResultObject: ScriptObject {
    let report: StepReport
    let lines: [String]
    init(report: StepReport, experiment e: Experiment, fromTask: Int) {
        self.report = report
        var l: [String] = []
        let rate = report.seconds > 0 ? Double(report.images) / report.seconds : 0
        var head = "\(report.batches) batches · \(report.images) images"
        if report.batches > 0 { head += String(format: " · %.2f s · %.0f img/s", report.seconds, rate) }
        l.append(head + " → \(e.cursor)")
        if e.completedTasks > fromTask {
            for t in fromTask..<e.completedTasks {
                let row = (0...t).compactMap { e.metrics.classIL[t, $0] }
                let trow = (0...t).compactMap { e.metrics.taskIL[t, $0] }
                let avg = row.reduce(0, +) / Double(max(row.count, 1)), tavg = trow.reduce(0, +) / Double(max(trow.count, 1))
                l.append("after task \(t): class-IL [" + row.map { String(format: "%.2f", $0) }.joined(separator: ", ") +
                         String(format: "] avg %.2f %% · task-IL avg %.2f %%", avg, tavg))
            }
        }
        lines = l
    }
    public var typeName: String { "step_result" }
    public var description: String { lines.joined(separator: "\n") }
    public var members: [MemberInfo] { [MemberInfo("batches", "batches trained"), MemberInfo("loss", "last batch loss")] }
    public func member(_ n: String) throws -> Value? {
        switch n {
        case "batches": return Value(report.batches)
        case "loss": return report.lastLoss.map { Value($0) } ?? .null
        default: return nil
        }
    }
}
