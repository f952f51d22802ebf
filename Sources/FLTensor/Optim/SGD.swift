import Foundation

/// A set of parameters sharing hyper-parameters; `lrScale` multiplies the optimizer's rate.
public struct ParameterGroup {
    public var parameters: [Tensor]
    public var lrScale: Float
    public var weightDecay: Float?
    public init(_ parameters: [Tensor], lrScale: Float = 1, weightDecay: Float? = nil) {
        self.parameters = parameters; self.lrScale = lrScale; self.weightDecay = weightDecay
    }
}

/// Stochastic gradient descent with momentum, weight decay and Nesterov, PyTorch semantics:
/// d = g + wd·θ; b = μ·b + d (b = d on the first step); d = d + μ·b (Nesterov) or b; θ −= lr·d.
/// Parameters whose `requiresGrad` is false or that have no gradient are skipped.
public final class SGD: @unchecked Sendable {
    public var groups: [ParameterGroup]
    public var lr: Float
    public var momentum: Float
    public var weightDecay: Float
    public var nesterov: Bool
    /// Momentum buffers, keyed by parameter identity.
    private var buffers: [ObjectIdentifier: Tensor] = [:]

    public init(_ parameters: [Tensor], lr: Float, momentum: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        self.groups = [ParameterGroup(parameters)]
        self.lr = lr; self.momentum = momentum; self.weightDecay = weightDecay; self.nesterov = nesterov
    }

    public init(groups: [ParameterGroup], lr: Float, momentum: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        self.groups = groups
        self.lr = lr; self.momentum = momentum; self.weightDecay = weightDecay; self.nesterov = nesterov
    }

    /// Clears the gradients of every parameter.
    public func zeroGrad() { for g in groups { for p in g.parameters { p.grad = nil } } }

    /// One update from the current gradients.
    public func step() {
        for group in groups {
            let rate = lr * group.lrScale
            let wd = group.weightDecay ?? weightDecay
            for p in group.parameters where p.requiresGrad {
                guard let g = p.grad else { continue }
                let n = p.count
                let pp = p.data, pg = g.data
                if momentum == 0 {
                    // Elementwise, so splitting over the threads changes no number; large
                    // parameters are updated where their halves were last written.
                    SGD.shares(p, n) { r in
                        if wd == 0 { for i in r { pp[i] -= rate * pg[i] } }
                        else { for i in r { pp[i] -= rate * (pg[i] + wd * pp[i]) } }
                    }
                    continue
                }
                let key = ObjectIdentifier(p)
                let mu = momentum, nesterov = nesterov
                if let b = buffers[key] {
                    let pb = b.data
                    SGD.shares(p, n) { r in
                        for i in r {
                            let d = pg[i] + wd * pp[i]
                            let nb = mu * pb[i] + d
                            pb[i] = nb
                            pp[i] -= rate * (nesterov ? d + mu * nb : nb)
                        }
                    }
                } else {
                    let b = Tensor.empty(p.shape)
                    let pb = b.data
                    SGD.shares(p, n) { r in
                        for i in r {
                            let d = pg[i] + wd * pp[i]
                            pb[i] = d
                            pp[i] -= rate * (nesterov ? d + mu * d : d)
                        }
                    }
                    buffers[key] = b
                }
            }
        }
    }

    /// Smallest share of one parameter's update worth a thread.
    static let grain = 32_768

    /// Runs `body` over the element ranges of one parameter's update, in parallel when the
    /// parameter is large. A matrix is split on the weight-row blocks its layer's products use
    /// (`BLASThreading.weightRowBlocks`), so each thread updates the rows whose gradient it
    /// computed and whose forward product it runs next.
    @inline(__always)
    static func shares(_ p: Tensor, _ n: Int, _ body: (Range<Int>) -> Void) {
        if n >= grain, BLASThreading.weightRowAffinity, p.rank >= 2 {
            let rows = p.shape[0], cols = n / max(rows, 1)
            let blocks = BLASThreading.weightRowBlocks(rows: rows, columns: cols)
            if blocks.count > 1 {
                Parallel.forEach(blocks.count) { i in let b = blocks[blocks.count - 1 - i]; body(b.lowerBound * cols..<b.upperBound * cols) }
                return
            }
        }
        Parallel.ranges(n, grain: grain, body)
    }

    /// Momentum buffers in parameter order (nil where none yet), for snapshots.
    public func momentumState() -> [Tensor?] {
        groups.flatMap { $0.parameters }.map { buffers[ObjectIdentifier($0)] }
    }

    /// Restores momentum buffers saved by `momentumState()` (same parameter order).
    public func loadMomentumState(_ state: [Tensor?]) throws {
        let ps = groups.flatMap { $0.parameters }
        guard ps.count == state.count else { throw TensorError("sgd: state for \(state.count) parameters, optimizer has \(ps.count)") }
        buffers = [:]
        for (p, s) in zip(ps, state) {
            guard let s else { continue }
            guard s.shape == p.shape else { throw TensorError.shapes("sgd state", p.shape, s.shape, "momentum buffer shape") }
            buffers[ObjectIdentifier(p)] = s.clone()
        }
    }
}

/// MultiStepLR: lr = base · γ^(number of milestones ≤ epoch), stepped once per epoch.
public struct MultiStepLR: Sendable, Equatable, Codable {
    public var baseLR: Float
    public var milestones: [Int]
    public var gamma: Float
    public private(set) var epoch = 0

    public init(baseLR: Float, milestones: [Int], gamma: Float = 0.1) {
        self.baseLR = baseLR; self.milestones = milestones.sorted(); self.gamma = gamma
    }

    /// The rate for the current epoch.
    public var lr: Float {
        let passed = milestones.filter { $0 <= epoch }.count
        var r = baseLR
        for _ in 0..<passed { r *= gamma }
        return r
    }

    /// Advances one epoch and returns the new rate.
    @discardableResult
    public mutating func step() -> Float { epoch += 1; return lr }

    /// Sets the epoch counter (restoring a snapshot).
    public mutating func setEpoch(_ e: Int) { epoch = e }
}
