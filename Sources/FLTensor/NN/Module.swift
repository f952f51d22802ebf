import Foundation

/// A layer or a network: named parameters (trained), named buffers (state that is never
/// optimized, like batch-norm statistics), child modules, a train/eval flag, deep copy and
/// a PyTorch-compatible state dict ("layer1.0.conv1.weight").
open class Module: @unchecked Sendable {
    /// Training mode (batch statistics, updates of running statistics).
    public private(set) var isTraining = true

    public init() {}

    /// Direct submodules with their names, in a stable order.
    open var children: [(String, Module)] { [] }
    /// This module's own parameters.
    open var localParameters: [(String, Tensor)] { [] }
    /// This module's own buffers.
    open var localBuffers: [(String, Tensor)] { [] }

    /// The computation.
    open func forward(_ x: Tensor) throws -> Tensor { x }

    /// A structurally identical module with fresh (uninitialized-value) tensors; `copy()`
    /// fills it from this one. Subclasses with structure must override it.
    open func makeEmpty() -> Module { fatalError("\(type(of: self)) must override makeEmpty()") }

    /// A short description of the layer's hyper-parameters, for printing.
    open var summary: String { String(describing: type(of: self)) }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try forward(x) }

    /// All parameters with dotted names, depth first.
    public func namedParameters(prefix: String = "") -> [(String, Tensor)] {
        var out = localParameters.map { (prefix + $0.0, $0.1) }
        for (n, c) in children { out += c.namedParameters(prefix: prefix + n + ".") }
        return out
    }

    /// All buffers with dotted names, depth first.
    public func namedBuffers(prefix: String = "") -> [(String, Tensor)] {
        var out = localBuffers.map { (prefix + $0.0, $0.1) }
        for (n, c) in children { out += c.namedBuffers(prefix: prefix + n + ".") }
        return out
    }

    /// All parameters.
    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// Parameters that currently train (not frozen).
    public func trainableParameters() -> [Tensor] { parameters().filter(\.requiresGrad) }

    /// Every module in the tree, this one first.
    public func modules() -> [Module] { [self] + children.flatMap { $0.1.modules() } }

    /// Parameters and buffers, in order, with names — what a checkpoint holds.
    public func stateDict() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        func visit(_ m: Module, _ prefix: String) {
            out += m.localParameters.map { (prefix + $0.0, $0.1) }
            out += m.localBuffers.map { (prefix + $0.0, $0.1) }
            for (n, c) in m.children { visit(c, prefix + n + ".") }
        }
        visit(self, "")
        return out
    }

    /// Copies values from a state dict into this module's tensors (in place, so optimizers
    /// keep their references). `strict` requires the same names.
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
        let mine = stateDict()
        if strict {
            let names = Set(mine.map(\.0))
            let missing = names.subtracting(state.keys).sorted()
            let unexpected = Set(state.keys).subtracting(names).sorted()
            if !missing.isEmpty || !unexpected.isEmpty {
                var parts: [String] = []
                if !missing.isEmpty { parts.append("missing \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? " …" : "")") }
                if !unexpected.isEmpty { parts.append("unexpected \(unexpected.prefix(5).joined(separator: ", "))\(unexpected.count > 5 ? " …" : "")") }
                throw TensorError("load_state_dict: names do not match: " + parts.joined(separator: "; "))
            }
        }
        for (name, t) in mine {
            guard let src = state[name] else { continue }
            guard src.shape == t.shape else {
                throw TensorError("load_state_dict: \(name) has shape \(shapeString(src.shape)) in the file but \(shapeString(t.shape)) in the model")
            }
        }
        for (name, t) in mine { if let src = state[name] { try t.assign(src) } }
    }

    /// Copies every parameter and buffer value from a structurally identical module.
    public func copyState(from other: Module) throws {
        let a = stateDict(), b = other.stateDict()
        guard a.count == b.count else { throw TensorError("copy_state: modules differ (\(a.count) vs \(b.count) tensors)") }
        for ((n1, t1), (n2, t2)) in zip(a, b) {
            guard n1 == n2, t1.shape == t2.shape else {
                throw TensorError("copy_state: \(n1) \(shapeString(t1.shape)) vs \(n2) \(shapeString(t2.shape))")
            }
        }
        for ((_, t1), (_, t2)) in zip(a, b) { try t1.assign(t2) }
    }

    /// A deep copy: same structure, same values, same modes and frozen flags, no shared memory.
    public func copy() -> Module {
        let m = makeEmpty()
        try! m.copyState(from: self)
        for (dst, src) in zip(m.modules(), modules()) {
            dst.isTraining = src.isTraining
            dst.copyFlags(from: src)
        }
        for (p, q) in zip(m.parameters(), parameters()) { p.requiresGrad = q.requiresGrad }
        return m
    }

    /// Copies per-module flags beyond the training mode (overridden by batch-norm).
    open func copyFlags(from other: Module) {}

    /// Sets training mode on this module and all below it.
    public func train(_ on: Bool = true) { for m in modules() { m.isTraining = on } }
    /// Evaluation mode.
    public func eval() { train(false) }

    /// Stops (or resumes) gradient updates of every parameter.
    public func freeze(_ on: Bool = true) { for p in parameters() { p.requiresGrad = !on } }
    /// Resumes training of every parameter.
    public func unfreeze() { freeze(false) }

    /// Clears all parameter gradients.
    public func zeroGrad() { for p in parameters() { p.grad = nil } }

    /// Number of parameter elements.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Bytes held by parameters and buffers.
    public var memoryBytes: Int { stateDict().reduce(0) { $0 + $1.1.count * 4 } }
}

/// Fresh parameter tensor that records gradients.
@inline(__always)
func parameter(_ shape: [Int]) -> Tensor { Tensor.zeros(shape, requiresGrad: true) }

/// PyTorch's default initialization for linear and conv layers: Kaiming-uniform with a = √5,
/// i.e. U(−1/√fan_in, 1/√fan_in) for weights and the same bound for biases.
func kaimingUniform(_ t: Tensor, fanIn: Int, rng: inout RNG) {
    let bound = 1 / Float(max(fanIn, 1)).squareRoot()
    let p = t.data
    for i in 0..<t.count { p[i] = rng.uniform(-bound, bound) }
}

/// How a layer's parameters are first drawn.
public enum Initialization: String, Codable, Sendable, CaseIterable {
    /// PyTorch's default: Kaiming-uniform with a = √5 for weights and biases alike.
    case torch
    /// mammoth's `xavier` (backbone/__init__.py), which its MNIST MLP applies to every linear
    /// layer: weights U(−a, a) with a = √(6 / (fan_in + fan_out)), biases 0.
    case xavier
}

/// Xavier-uniform weights: U(−a, a), a = √(6 / (fan_in + fan_out)).
func xavierUniform(_ t: Tensor, fanIn: Int, fanOut: Int, rng: inout RNG) {
    let bound = (6 / Float(max(fanIn + fanOut, 1))).squareRoot()
    let p = t.data
    for i in 0..<t.count { p[i] = rng.uniform(-bound, bound) }
}
