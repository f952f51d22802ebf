import Foundation
import FLTensor
import FLData

/// Shared pieces of the exemplar methods (iCaRL, LUCIR): the class-balanced herding memory.
enum Exemplars {
    /// Eval-mode features of non-augmented training images, in batches.
    /// With `augmentationSeed` the images get the dataset's train augmentation (chunk k drawn
    /// from a seed derived from it and k), as the reference's loaders give them.
    static func features(_ model: Network, _ indices: [Int], _ exp: Experiment, augmentationSeed: UInt64? = nil) throws -> Tensor {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return try noGrad {
            var parts: [Tensor] = []
            var s = 0
            let bs = exp.config.evalBatchSize
            while s < indices.count {
                let idx = Array(indices[s..<min(indices.count, s + bs)])
                let seed = augmentationSeed.map { deriveSeed($0, UInt64(s)) }
                parts.append(try model.inferFeatures(exp.data.trainImages(idx, augmentationSeed: seed)))
                s += bs
            }
            return parts.isEmpty ? Tensor.zeros([0, model.featureDim]) : try concat(parts, dim: 0)
        }
    }

    /// End-of-task herding fill: m = ⌊B / #seen classes⌋; old classes keep their first m
    /// exemplars; each new class gets m picks by herding on the current model's features.
    static func herdingFill(_ ctx: TaskContext, _ exp: Experiment) throws {
        guard let buf = exp.buffer else { return }
        let m = buf.capacity / max(ctx.seenClasses, 1)
        buf.shrink(perClass: m)
        let taskIdx = exp.data.trainIndices(task: ctx.task)
        let labels = exp.data.trainLabels(taskIdx)
        for c in ctx.newClasses {
            let members = zip(taskIdx, labels).filter { $0.1 == c }.map(\.0)
            if members.isEmpty { continue }
            let f = try features(exp.net, members, exp)
            for k in herdingSelection(features: f, count: m) { buf.append(index: members[k], label: c, task: ctx.task) }
        }
    }

    /// Class means of the buffer's exemplars in feature space (a true mean), for classes [0, a).
    static func classMeans(_ exp: Experiment, classes a: Int) throws -> (Tensor, [Bool]) {
        let d = exp.net.featureDim
        let means = Tensor.zeros([a, d])
        var present = [Bool](repeating: false, count: a)
        guard let buf = exp.buffer, !buf.isEmpty else { return (means, present) }
        let f = try features(exp.net, buf.indices, exp)
        var counts = [Int](repeating: 0, count: a)
        for (k, y) in buf.labels.enumerated() where y < a {
            counts[y] += 1
            for j in 0..<d { means.data[y * d + j] += f.data[k * d + j] }
        }
        for c in 0..<a where counts[c] > 0 {
            present[c] = true
            for j in 0..<d { means.data[c * d + j] /= Float(counts[c]) }
        }
        return (means, present)
    }
}
