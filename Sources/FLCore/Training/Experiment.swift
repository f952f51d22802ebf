import Foundation
import FLTensor
import FLData

/// Where a run is: task, stage, phase, epoch, and the next batch of the epoch.
public struct Cursor: Codable, Equatable, Sendable, CustomStringConvertible {
    public enum Stage: String, Codable, Sendable {
        case beginTask = "begin_task", training, flashback = "flashback_transition", endTask = "end_task", finished
    }
    public var task = 0
    public var stage: Stage = .beginTask
    public var phase: Phase = .primary
    public var epoch = 0
    public var batch = 0
    public init() {}
    public var description: String {
        switch stage {
        case .finished: return "finished"
        case .training: return "task \(task) · \(phase.rawValue) · epoch \(epoch) · batch \(batch)"
        default: return "task \(task) · \(stage.rawValue.replacingOccurrences(of: "_", with: " "))"
        }
    }
}

/// How far `step` goes.
public enum StepUnit: String, Sendable, CaseIterable {
    case batch, epoch, phase, task, all
}

/// A flag another thread (a signal handler) sets to stop a run between two batches.
public final class CancellationFlag: @unchecked Sendable {
    nonisolated(unsafe) private var flag: Int32 = 0
    /// Another flag to honour (the interpreter's Ctrl-C flag).
    public var externalCheck: (() -> Bool)?
    public init() {}
    public var isSet: Bool { flag != 0 || (externalCheck?() ?? false) }
    public func set() { flag = 1 }
    public func clear() { flag = 0 }
}

/// What a step did.
public struct StepReport: Sendable {
    public var batches = 0
    public var images = 0
    public var seconds = 0.0
    public var interrupted = false
    public var lastLoss: Double? = nil
    public var notes: [String] = []
}

/// A progress event for progress bars (one per batch).
public struct ProgressEvent: Sendable {
    public var cursor: Cursor
    public var batchesPerEpoch: Int
    public var epochsInPhase: Int
    public var loss: Double
    public var imagesPerSecond: Double
    public var tasks: Int
}

/// A continual-learning run as a resumable state machine: it owns the network, the old and
/// primary models, the buffer, the optimizer and scheduler, the random streams and the
/// metrics, and advances by a batch, an epoch, a phase, a task or to the end. It stops between
/// batches when its cancellation flag is set; the state is then that of the last completed batch.
public final class Experiment: @unchecked Sendable {
    public let data: ContinualData
    public internal(set) var config: ExperimentConfig
    public let net: Network
    public let strategy: Strategy
    /// Flashback Learning, when the run uses it (Flashback/Flashback.swift).
    public internal(set) var flashback: Flashback?
    /// θ*ₜ₋₁ as the baseline keeps it (teacher of distillation terms), frozen, eval mode.
    public internal(set) var oldModel: Network?
    /// θₚ, the model Phase 1 produced, frozen: the plastic knowledge base (Flashback's).
    public internal(set) var primaryModel: Network? {
        get { flashback?.primary }
        set { flashback?.primary = newValue }
    }
    /// The state Phase 1 of the current task started from, where Flashback returns.
    public internal(set) var flashbackAnchor: Network? {
        get { flashback?.anchor }
        set { flashback?.anchor = newValue }
    }
    public internal(set) var buffer: ReplayBuffer?
    /// Randomness of strategies (transplant draws, contrastive views); saved in snapshots.
    public var rng: RNG
    public internal(set) var cursor = Cursor()
    public internal(set) var metrics: RunMetrics
    /// Optimizer steps taken (bumps invalidate cached class means).
    public internal(set) var modelVersion = 0
    /// Batches trained so far over all tasks and phases.
    public internal(set) var globalStep = 0
    public internal(set) var completedTasks = 0
    /// State-machine units (batches and transitions) executed so far.
    public internal(set) var unitsExecuted = 0
    /// Messages for the user (regularizers that built knowledge, …).
    public internal(set) var notes: [String] = []
    /// Every change made to the run between steps (swaps), in order: notebooks replay them.
    public internal(set) var history: [String] = []
    public let cancellation = CancellationFlag()
    public var onProgress: ((ProgressEvent) -> Void)?

    var optimizer: SGD?
    var scheduler: MultiStepLR?
    /// Training indices of the current phase.
    var phaseIndices: [Int] = []
    var epochOrder: (key: [Int], order: EpochOrder)? = nil
    var epochLossSum = 0.0
    var epochBatchCount = 0
    var taskTiming = TaskTiming(task: 0)

    public var geometry: TaskGeometry { data.geometry }
    public var augmentsReplay: Bool { config.augmentsReplay }

    /// Builds a run; checks the configuration before anything trains.
    public init(data: ContinualData, net: Network, strategy: Strategy, config: ExperimentConfig,
                flashback: FlashbackConfig? = nil, plasticity: Regularizer? = nil) throws {
        try config.validate()
        let g = data.geometry
        guard g.tasks >= 1, g.initialClasses >= 1, g.classesPerTask >= (g.tasks > 1 ? 1 : 0) else {
            throw ConfigurationError("benchmark geometry \(g) is invalid")
        }
        if net.outputCount != 0 && net.outputCount < g.totalClasses {
            throw ConfigurationError("the network has \(net.outputCount) outputs but the benchmark has \(g.totalClasses) classes")
        }
        self.data = data
        self.config = config
        self.net = net
        self.strategy = strategy
        self.rng = RNG(seed: deriveSeed(config.seed, 0xE4E))
        self.metrics = RunMetrics(tasks: g.tasks)
        if let fb = flashback {
            try fb.validate()
            self.flashback = Flashback(config: fb, plasticity: plasticity ?? strategy.defaultPlasticity())
        }
        try strategy.validate(self)
        if let policy = strategy.bufferPolicy {
            buffer = ReplayBuffer(capacity: strategy.bufferSize, policy: policy,
                                  logitWidth: strategy.storesLogits ? g.totalClasses : nil, seed: deriveSeed(config.seed, 0xB0F))
        }
        try strategy.prepare(self)
        net.train()
    }

    public func context(phase: Phase? = nil) -> TaskContext {
        TaskContext(task: min(cursor.task, geometry.tasks - 1), geometry: geometry, phase: phase ?? cursor.phase, epoch: cursor.epoch)
    }

    // MARK: - Phases

    func epochs(of phase: Phase) -> Int {
        switch phase {
        case .primary: return cursor.task == 0 ? config.epochsBase : config.epochsCL
        case .flashback: return flashback?.config.epochs ?? 0
        }
    }

    func milestones(of phase: Phase) -> [Int] {
        switch phase {
        case .primary: return cursor.task == 0 ? config.milestonesBase : config.milestonesCL
        case .flashback: return flashback?.config.milestones ?? []
        }
    }

    public var batchesPerEpoch: Int { (phaseIndices.count + config.batchSize - 1) / max(config.batchSize, 1) }

    func startPhase(_ phase: Phase) {
        cursor.phase = phase
        cursor.epoch = 0
        cursor.batch = 0
        cursor.stage = .training
        let ctx = context(phase: phase)
        if !(config.carryOverOptimizer && phase == .primary && cursor.task > 0 && optimizer != nil) {
            optimizer = SGD(groups: strategy.parameterGroups(ctx, experiment: self), lr: config.lr,
                            momentum: config.momentum, weightDecay: config.weightDecay)
        } else {
            optimizer?.groups = strategy.parameterGroups(ctx, experiment: self)
        }
        scheduler = MultiStepLR(baseLR: config.lr, milestones: milestones(of: phase), gamma: config.gamma)
        optimizer?.lr = scheduler!.lr
        epochOrder = nil
        epochLossSum = 0; epochBatchCount = 0
        if epochs(of: phase) == 0 || phaseIndices.isEmpty { finishPhase() }
    }

    func finishPhase() {
        if cursor.phase == .primary && flashback?.hasPhaseTwo(task: cursor.task) == true {
            cursor.stage = .flashback
        } else {
            cursor.stage = .endTask
        }
    }

    func order(forEpoch e: Int) -> EpochOrder {
        let key = [cursor.task, cursor.phase == .primary ? 0 : 1, e]
        if let cached = epochOrder, cached.key == key { return cached.order }
        let o = EpochOrder(phaseIndices, seed: deriveSeed(config.seed, 0x0D3, UInt64(key[0]), UInt64(key[1]), UInt64(e)), batchSize: config.batchSize)
        epochOrder = (key, o)
        return o
    }

    // MARK: - Units

    /// What one unit of work did.
    enum Unit { case transition, batch(endOfEpoch: Bool, endOfPhase: Bool, endOfTask: Bool), finished }

    func beginTask() throws {
        let t = cursor.task
        let ctx = context(phase: .primary)
        taskTiming = TaskTiming(task: t)
        let start = now()
        if t == 0 && metrics.randomInitClassIL[0] == nil {
            for j in 0..<geometry.tasks {
                let (c, ti) = try evaluate(task: j)
                metrics.randomInitClassIL[j] = c; metrics.randomInitTaskIL[j] = ti
            }
        }
        flashback?.beginTask(self)
        try strategy.beginTask(ctx, experiment: self)
        // FWT's pre-task accuracy, after the method's begin-task hook (LUCIR's imprinted head, LwF's
        // warm-up), where the reference's utils/training.py measures it.
        if t > 0 {
            let (c, ti) = try evaluate(task: t)
            metrics.preTaskClassIL[t] = c; metrics.preTaskTaskIL[t] = ti
        }
        phaseIndices = strategy.trainingIndices(task: t, experiment: self)
        taskTiming.seconds += now() - start
        startPhase(.primary)
    }

    func flashbackTransition() throws {
        guard let fb = flashback, fb.anchor != nil else { cursor.stage = .endTask; return }
        let start = now()
        try fb.transition(self)
        modelVersion += 1
        taskTiming.seconds += now() - start
        startPhase(.flashback)
    }

    func endTask() throws {
        let t = cursor.task
        let start = now()
        let ctx = context()
        try strategy.endTask(ctx, experiment: self)
        try strategy.stability?.endTask(context: ctx, experiment: self)
        modelVersion += 1
        for j in 0...t {
            let (c, ti) = try evaluate(task: j)
            metrics.classIL[t, j] = c
            metrics.taskIL[t, j] = ti
            for name in strategy.extraEvaluations {
                if metrics.extra[name] == nil { metrics.extra[name] = AccuracyMatrix(tasks: geometry.tasks) }
                metrics.extra[name]![t, j] = try evaluate(task: j, extra: name).0
            }
        }
        taskTiming.seconds += now() - start
        metrics.timing.append(taskTiming)
        completedTasks = t + 1
        if t + 1 < geometry.tasks {
            cursor = Cursor()
            cursor.task = t + 1
        } else {
            cursor.stage = .finished
        }
    }

    func trainBatch() throws -> (Double, Int) {
        let start = now()
        let ctx = context()
        let idx = order(forEpoch: cursor.epoch).batch(cursor.batch)
        let seed = deriveSeed(config.seed, 0xA06, UInt64(cursor.task), UInt64(cursor.phase == .primary ? 0 : 1),
                              UInt64(cursor.epoch), UInt64(cursor.batch))
        let x = data.trainImages(idx, augmentationSeed: seed)
        let raw = data.trainImages(idx, augmentationSeed: nil)
        let batch = Batch(inputs: x, labels: data.trainLabels(idx), raw: raw, indices: idx, task: cursor.task)
        // A failed batch must not change the run: keep what a forward pass mutates.
        let bnState = net.namedBuffers().map { $0.1.clone() }
        let savedRNG = rng, savedBufferRNG = buffer?.rng
        net.train()
        do {
            optimizer?.zeroGrad()
            net.zeroGrad()
            var terms = try strategy.observe(batch, context: ctx, experiment: self)
            if cursor.phase == .flashback { try flashback?.addPlasticTerm(to: &terms, batch: batch, context: ctx, experiment: self) }
            let loss = try terms.total()
            guard loss.data[0].isFinite else { throw ConfigurationError("the loss became \(loss.data[0]) at \(cursor); lower the learning rate?") }
            if loss.requiresGrad { try loss.backward() }
            optimizer?.step()
            try strategy.afterStep(batch, terms: terms, context: ctx, experiment: self)
            modelVersion += 1
            globalStep += 1
            let l = Double(loss.data[0])
            epochLossSum += l; epochBatchCount += 1
            taskTiming.images += idx.count
            taskTiming.seconds += now() - start
            taskTiming.phaseSeconds[cursor.phase.rawValue, default: 0] += now() - start
            return (l, idx.count)
        } catch {
            for (t, saved) in zip(net.namedBuffers().map(\.1), bnState) { try? t.assign(saved) }
            rng = savedRNG
            if let r = savedBufferRNG { buffer?.rng = r }
            net.zeroGrad()
            throw error
        }
    }

    /// Advances the cursor after a completed batch; returns (end of epoch, end of phase).
    func advanceAfterBatch() -> (Bool, Bool) {
        cursor.batch += 1
        guard cursor.batch >= batchesPerEpoch else { return (false, false) }
        metrics.lossLog.append(LossLogEntry(task: cursor.task, phase: cursor.phase.rawValue, epoch: cursor.epoch,
                                            meanLoss: epochLossSum / Double(max(epochBatchCount, 1)), batches: epochBatchCount))
        epochLossSum = 0; epochBatchCount = 0
        cursor.epoch += 1
        cursor.batch = 0
        if var s = scheduler { s.step(); scheduler = s; optimizer?.lr = s.lr }
        if cursor.epoch >= epochs(of: cursor.phase) {
            finishPhase()
            return (true, true)
        }
        return (true, false)
    }

    func runUnit(_ report: inout StepReport) throws -> Unit {
        if cursor.stage != .finished { unitsExecuted += 1 }
        switch cursor.stage {
        case .finished:
            return .finished
        case .beginTask:
            try beginTask()
            return .transition
        case .flashback:
            try flashbackTransition()
            return .transition
        case .endTask:
            try endTask()
            return .batch(endOfEpoch: false, endOfPhase: false, endOfTask: true)
        case .training:
            let t0 = now()
            let (loss, n) = try trainBatch()
            report.batches += 1
            report.images += n
            report.lastLoss = loss
            let dt = now() - t0
            let cur = cursor
            let (eoe, eop) = advanceAfterBatch()
            onProgress?(ProgressEvent(cursor: cur, batchesPerEpoch: batchesPerEpoch, epochsInPhase: epochs(of: cur.phase),
                                      loss: loss, imagesPerSecond: dt > 0 ? Double(n) / dt : 0, tasks: geometry.tasks))
            return .batch(endOfEpoch: eoe, endOfPhase: eop, endOfTask: false)
        }
    }
}

@inline(__always) func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
