import Foundation
import FLTensor
import FLData

/// The non-tensor state of a snapshot.
struct SnapshotState: Codable {
    var format: Int
    var flnb: String
    var checksum: String
    var recipe: ExperimentRecipe
    var stability: RegularizerSpec?
    var plasticity: RegularizerSpec?
    var cursor: Cursor
    var metrics: RunMetrics
    var rng: RNG
    var modelVersion: Int
    var globalStep: Int
    var completedTasks: Int
    var history: [String]
    var notes: [String]
    var phaseIndices: [Int]
    var schedulerEpoch: Int?
    var schedulerMilestones: [Int]?
    var optimizerLR: Float?
    var hasOptimizer: Bool
    var momentumPresent: [Bool]
    var requiresGrad: [Bool]
    var epochLossSum: Double
    var epochBatchCount: Int
    var taskTiming: TaskTiming
    var buffer: BufferState?
    var hasOld: Bool, hasPrimary: Bool, hasAnchor: Bool
}

struct BufferState: Codable {
    var indices: [Int], labels: [Int], tasks: [Int], seen: Int, drawCounts: [Int], rng: RNG
}

/// Snapshots of a whole run at any cursor — models (current, old, primary, flashback anchor),
/// buffer, knowledge of the regularizers, optimizer, scheduler, random streams, cursor and
/// metrics — in one safetensors file whose metadata carries the rest as JSON, a format
/// version and a checksum of the tensor data. Restoring builds a new run: a fork.
public enum Snapshot {
    public static let formatVersion = 1

    /// FNV-1a 64 over the tensors' bytes in order.
    static func checksum(_ tensors: [(String, Tensor)]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for (name, t) in tensors {
            for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
            let raw = UnsafeRawPointer(t.data).assumingMemoryBound(to: UInt8.self)
            for i in 0..<(t.count * 4) { h = (h ^ UInt64(raw[i])) &* 0x100_0000_01B3 }
        }
        return String(format: "%016llx", h)
    }

    /// Writes the run's state to `path` (atomically).
    public static func save(_ exp: Experiment, recipe: ExperimentRecipe, to path: String) throws {
        var tensors: [(String, Tensor)] = []
        for (n, t) in exp.net.stateDict() { tensors.append(("net." + n, t)) }
        if let m = exp.oldModel { for (n, t) in m.stateDict() { tensors.append(("old." + n, t)) } }
        if let m = exp.primaryModel { for (n, t) in m.stateDict() { tensors.append(("primary." + n, t)) } }
        if let m = exp.flashbackAnchor { for (n, t) in m.stateDict() { tensors.append(("anchor." + n, t)) } }
        let momentum = exp.optimizer?.momentumState() ?? []
        for (i, m) in momentum.enumerated() { if let m { tensors.append(("momentum.\(i)", m)) } }
        if let l = exp.buffer?.logits { tensors.append(("buffer.logits", l)) }
        if let s = exp.strategy.stability { for (n, t) in s.knowledgeTensors { tensors.append(("stability." + n, t)) } }
        if let p = exp.flashback?.plasticity { for (n, t) in p.knowledgeTensors { tensors.append(("plasticity." + n, t)) } }
        let buf = exp.buffer.map { BufferState(indices: $0.indices, labels: $0.labels, tasks: $0.tasks, seen: $0.seen, drawCounts: $0.drawCounts, rng: $0.rng) }
        let state = SnapshotState(
            format: formatVersion, flnb: flnbVersion, checksum: checksum(tensors), recipe: recipe,
            stability: exp.strategy.stability.map(RegularizerSpec.init), plasticity: exp.flashback.map { RegularizerSpec($0.plasticity) },
            cursor: exp.cursor, metrics: exp.metrics, rng: exp.rng, modelVersion: exp.modelVersion, globalStep: exp.globalStep,
            completedTasks: exp.completedTasks, history: exp.history, notes: exp.notes, phaseIndices: exp.phaseIndices,
            schedulerEpoch: exp.scheduler?.epoch, schedulerMilestones: exp.scheduler?.milestones, optimizerLR: exp.optimizer?.lr,
            hasOptimizer: exp.optimizer != nil, momentumPresent: momentum.map { $0 != nil },
            requiresGrad: exp.net.parameters().map(\.requiresGrad), epochLossSum: exp.epochLossSum, epochBatchCount: exp.epochBatchCount,
            taskTiming: exp.taskTiming, buffer: buf,
            hasOld: exp.oldModel != nil, hasPrimary: exp.primaryModel != nil, hasAnchor: exp.flashbackAnchor != nil)
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try Safetensors.write(tensors, metadata: ["flnb_snapshot": json], to: path)
    }

    /// Reads a snapshot and builds the run it describes, on the data its recipe names (or on
    /// `data`, for runs on data no recipe can name, such as a test's in-memory set).
    public static func restore(from path: String, data given: ContinualData? = nil) throws -> (Experiment, ExperimentRecipe) {
        let (tensorList, meta) = try Safetensors.read(path)
        guard let json = meta["flnb_snapshot"] else {
            throw FileFormatError(path: path, "not an flnb snapshot (a safetensors file without flnb_snapshot metadata; a model checkpoint? use load_model)")
        }
        let state: SnapshotState
        do { state = try JSONDecoder().decode(SnapshotState.self, from: Data(json.utf8)) } catch {
            throw FileFormatError(path: path, "the snapshot's state is unreadable (\(error))")
        }
        guard state.format == formatVersion else {
            throw FileFormatError(path: path, "snapshot format \(state.format), this flnb reads format \(formatVersion)")
        }
        guard checksum(tensorList) == state.checksum else {
            throw FileFormatError(path: path, "checksum mismatch: the file is corrupt (expected \(state.checksum), computed \(checksum(tensorList)))")
        }
        var tensors: [String: Tensor] = [:]
        for (n, t) in tensorList { tensors[n] = t }
        func part(_ prefix: String) -> [String: Tensor] {
            var d: [String: Tensor] = [:]
            for (n, t) in tensors where n.hasPrefix(prefix) { d[String(n.dropFirst(prefix.count))] = t }
            return d
        }
        let recipe = state.recipe
        let data = try given ?? recipe.data.continualData()
        let net = try recipe.backbone.build()
        let strategy = try StrategyRegistry.make(recipe.strategy, options: recipe.strategyOptions)
        let exp = try Experiment(data: data, net: net, strategy: strategy, config: recipe.config,
                                 flashback: recipe.flashback, plasticity: try state.plasticity?.build())
        strategy.stability = try state.stability?.build()
        try net.loadStateDict(part("net."))
        for (p, r) in zip(net.parameters(), state.requiresGrad) { p.requiresGrad = r }
        func model(_ prefix: String, _ present: Bool) throws -> Network? {
            guard present else { return nil }
            let m = net.copy() as! Network
            try m.loadStateDict(part(prefix))
            m.eval(); m.freeze()
            return m
        }
        exp.oldModel = try model("old.", state.hasOld)
        exp.primaryModel = try model("primary.", state.hasPrimary)
        exp.flashbackAnchor = try model("anchor.", state.hasAnchor)
        if let b = state.buffer, let buf = exp.buffer {
            buf.restore(indices: b.indices, labels: b.labels, tasks: b.tasks, logits: tensors["buffer.logits"], seen: b.seen,
                        drawCounts: b.drawCounts, rng: b.rng)
        }
        try strategy.stability?.restoreKnowledge(part("stability."))
        try exp.flashback?.plasticity.restoreKnowledge(part("plasticity."))
        exp.cursor = state.cursor
        exp.metrics = state.metrics
        exp.rng = state.rng
        exp.modelVersion = state.modelVersion
        exp.globalStep = state.globalStep
        exp.completedTasks = state.completedTasks
        exp.history = state.history
        exp.notes = state.notes
        exp.phaseIndices = state.phaseIndices
        exp.epochLossSum = state.epochLossSum
        exp.epochBatchCount = state.epochBatchCount
        exp.taskTiming = state.taskTiming
        if state.hasOptimizer {
            let ctx = exp.context()
            let opt = SGD(groups: strategy.parameterGroups(ctx, experiment: exp), lr: state.optimizerLR ?? recipe.config.lr,
                          momentum: recipe.config.momentum, weightDecay: recipe.config.weightDecay)
            var mom: [Tensor?] = []
            for (i, present) in state.momentumPresent.enumerated() { mom.append(present ? tensors["momentum.\(i)"] : nil) }
            try opt.loadMomentumState(mom)
            exp.optimizer = opt
        }
        if let e = state.schedulerEpoch {
            var s = MultiStepLR(baseLR: recipe.config.lr, milestones: state.schedulerMilestones ?? [], gamma: recipe.config.gamma)
            s.setEpoch(e)
            exp.scheduler = s
        }
        return (exp, recipe)
    }
}
