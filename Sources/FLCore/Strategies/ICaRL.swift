import Foundation
import FLTensor
import FLData

/// iCaRL: LwF.MC's loss (C0-aware, no wd_reg) on the task data ∪ all exemplars; herding memory;
/// nearest-mean-of-exemplars classification (a true class mean — the reference's running
/// pairwise average is a bug). The linear head is reported beside it as "linear_head".
public final class ICaRL: LwFMC, @unchecked Sendable {
    private var cachedMeans: (Tensor, [Bool], Int)? = nil

    public init(bufferSize: Int) {
        super.init(wdReg: 0)
        self.bufferSize = bufferSize
    }
    public override var name: String { "icarl" }
    public override var bufferPolicy: BufferPolicy? { .herding }
    public override var hyperparameters: [(String, Double)] { [("buffer_size", Double(bufferSize))] }

    public override func trainingIndices(task t: Int, experiment exp: Experiment) -> [Int] {
        exp.data.trainIndices(task: t) + (exp.buffer?.indices ?? [])
    }

    public override func observe(_ batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> LossTerms {
        cachedMeans = nil
        return try super.observe(batch, context: ctx, experiment: exp)
    }

    public override func endTask(_ ctx: TaskContext, experiment exp: Experiment) throws {
        exp.snapshotOldModel()
        try Exemplars.herdingFill(ctx, exp)
        cachedMeans = nil
    }

    /// −‖f(x) − μ_c‖² for classes with exemplars; −∞-like for the others.
    public override func predict(_ x: Tensor, experiment exp: Experiment) throws -> Tensor {
        let a = exp.geometry.totalClasses
        if cachedMeans == nil || cachedMeans!.2 != exp.modelVersion {
            let (m, present) = try Exemplars.classMeans(exp, classes: a)
            cachedMeans = (m, present, exp.modelVersion)
        }
        let (means, present) = (cachedMeans!.0, cachedMeans!.1)
        if !present.contains(true) { return try exp.net(x) }
        let f = try exp.net.inferFeatures(x)
        let b = f.shape[0], d = f.shape[1]
        let out = Tensor.empty([b, a])
        for i in 0..<b {
            for c in 0..<a {
                guard present[c] else { out.data[i * a + c] = -1e30; continue }
                var s: Float = 0
                for j in 0..<d { let diff = f.data[i * d + j] - means.data[c * d + j]; s += diff * diff }
                out.data[i * a + c] = -s
            }
        }
        return out
    }

    public override var extraEvaluations: [String] { ["linear_head"] }
}
