import Foundation

/// One recorded operation of the autodiff graph: it keeps its inputs and whatever its
/// backward needs, and maps the gradient of its output to gradients of its inputs.
public protocol GradFunction: AnyObject {
    /// The tensors this operation read, in order.
    var inputs: [Tensor] { get }
    /// Gradients for each input (nil where `needs[i]` is false or no gradient flows).
    /// Must not modify `grad`, which may be shared.
    func backward(_ grad: Tensor, needs: [Bool]) -> [Tensor?]
}

/// Whether operations record a graph. Set per thread of work by `noGrad`.
public enum GradMode {
    nonisolated(unsafe) public static var enabled = true
}

/// Runs `body` without recording gradients (evaluation, teacher forward passes, updates).
@inline(__always)
public func noGrad<T>(_ body: () throws -> T) rethrows -> T {
    let saved = GradMode.enabled
    GradMode.enabled = false
    defer { GradMode.enabled = saved }
    return try body()
}

extension Tensor {
    /// Attaches `fn` as the producer of this tensor when recording and any input needs grad.
    @inline(__always)
    func record(_ inputs: [Tensor], _ make: () -> GradFunction) -> Tensor {
        guard GradMode.enabled else { return self }
        for t in inputs where t.requiresGrad {
            requiresGrad = true
            gradFn = make()
            return self
        }
        return self
    }

    /// Reverse-mode differentiation from this tensor. A scalar output is seeded with 1;
    /// otherwise `seed` gives the gradient of the output. Gradients accumulate into the
    /// `grad` of leaf tensors that require grad; the graph is released afterwards.
    public func backward(seed: Tensor? = nil, retainGraph: Bool = false) throws {
        guard requiresGrad else { throw TensorError("backward: tensor does not require grad (no parameter or input needs a gradient)") }
        let start: Tensor
        if let seed {
            guard seed.shape == shape else { throw TensorError.shapes("backward", shape, seed.shape, "seed must match the output") }
            start = seed
        } else {
            guard count == 1 else { throw TensorError("backward: output of shape \(shapeString(shape)) is not a scalar; pass a seed gradient") }
            start = Tensor(shape: shape, repeating: 1)
        }
        // Topological order by iterative depth-first search.
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            let id = ObjectIdentifier(t)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((t, true))
            if let fn = t.gradFn {
                for inp in fn.inputs where inp.requiresGrad && !visited.contains(ObjectIdentifier(inp)) {
                    stack.append((inp, false))
                }
            }
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): start]
        for t in order.reversed() {
            let id = ObjectIdentifier(t)
            guard let g = grads.removeValue(forKey: id) else { continue }
            if let fn = t.gradFn {
                let ins = fn.inputs
                let needs = ins.map { $0.requiresGrad }
                let gs = fn.backward(g, needs: needs)
                for (i, inp) in ins.enumerated() where needs[i] {
                    guard let gi = gs[i] else { continue }
                    precondition(gi.shape == inp.shape, "internal: gradient \(gi.shape) for input \(inp.shape) of \(type(of: fn))")
                    let key = ObjectIdentifier(inp)
                    if let old = grads[key] { grads[key] = addGradients(old, gi) } else { grads[key] = gi }
                }
                if !retainGraph { t.gradFn = nil }
            } else {
                // A leaf: accumulate.
                if let old = t.grad { t.grad = addGradients(old, g) } else { t.grad = g.detach() }
            }
        }
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}

/// a + b for two gradients of the same shape, into new storage (gradients may be shared).
@inline(__always)
func addGradients(_ a: Tensor, _ b: Tensor) -> Tensor {
    let out = Tensor.empty(a.shape)
    let pa = a.data, pb = b.data, po = out.data
    Parallel.ranges(a.count, grain: 65_536) { r in
        for i in r { po[i] = pa[i] + pb[i] }
    }
    return out
}
