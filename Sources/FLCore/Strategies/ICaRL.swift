import Foundation
import FLTensor
import FLData

/// iCaRL: LwF.MC's loss (C0-aware, no wd_reg) on the task data ∪ all exemplars; herding memory;
/// nearest-mean-of-exemplars classification (a true class mean — the reference's running
/// pairwise average is a bug). The linear head is reported beside it as "linear_head".
///
/// `mammoth2020` replays the exemplars as the 2020 mammoth that made the DER paper's numbers did on
/// its tensor-backed, unnormalized datasets (Seq-MNIST): `models/icarl.py`'s `begin_task` casts the
/// stored [0, 1] images to uint8 without ×255, so every pixel below 1 becomes 0 and a pixel of
/// exactly 1 becomes 1/255 — the old classes are rehearsed on near-black images. Off by default (a bug).
public final class ICaRL: LwFMC, @unchecked Sendable {
    private var cachedMeans: (Tensor, [Bool], Int)? = nil
    public let mammoth2020: Bool

    public init(bufferSize: Int, mammoth2020: Bool = false) {
        self.mammoth2020 = mammoth2020
        super.init(wdReg: 0)
        self.bufferSize = bufferSize
    }
    public override var name: String { "icarl" }
    public override var bufferPolicy: BufferPolicy? { .herding }

    public override func trainingIndices(task t: Int, experiment exp: Experiment) -> [Int] {
        exp.data.trainIndices(task: t) + (exp.buffer?.indices ?? [])
    }

    public override func observe(_ batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> LossTerms {
        cachedMeans = nil
        guard mammoth2020, ctx.task > 0 else { return try super.observe(batch, context: ctx, experiment: exp) }
        if (exp.data as? BenchmarkData)?.benchmark.normalization != nil {
            throw ConfigurationError("icarl(mammoth2020: 1) reproduces a bug of 2020 mammoth's unnormalized tensor datasets (Seq-MNIST); \(exp.data.name) is normalized")
        }
        var b = batch
        b.inputs = ICaRL.castToUInt8WithoutScaling(batch.inputs, rows: batch.labels.map { $0 < ctx.oldClasses })
        return try super.observe(b, context: ctx, experiment: exp)
    }

    /// The rows marked (the exemplars: old classes) as `x.type(torch.uint8)` then ToTensor turn
    /// pixels in [0, 1]: ⌊x⌋ / 255. Other rows are copied unchanged.
    static func castToUInt8WithoutScaling(_ x: Tensor, rows: [Bool]) -> Tensor {
        let out = Tensor.empty(x.shape)
        let n = x.shape[0], per = n == 0 ? 0 : x.count / n
        for i in 0..<n {
            let src = x.data + i * per, dst = out.data + i * per
            if rows[i] { for j in 0..<per { dst[j] = src[j].rounded(.down) / 255 } }
            else { dst.update(from: src, count: per) }
        }
        return out
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

extension MethodDeclaration {
    public static let icarl = MethodDeclaration(
        name: "icarl", title: "iCaRL", summary: "LwF.MC loss on data ∪ exemplars, herding, nearest-mean classifier",
        parameters: [ParameterDoc("buffer_size", "2000", "exemplars in total"),
                     ParameterDoc("mammoth2020", "0", "1: rehearse exemplars as 2020 mammoth did on Seq-MNIST (uint8 cast without ×255: near-black images), which made the DER paper's iCaRL numbers; a bug, off by default", kind: .flag)],
        usesBuffer: true) { o in ICaRL(bufferSize: try o.int("buffer_size"), mammoth2020: o.flag("mammoth2020")) }
}
