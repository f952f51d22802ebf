import Foundation
import FLTensor
import FLData

/// LwF.MC: BCE with logits on the seen columns against [σ(z_old[:, :p]), one-hot[p:a]]
/// (+ wd_reg · ‖θ‖² at every task and phase). Written as a task term on the new columns plus
/// the stability term on the old ones (LogitDistillation with shareOfSeen), whose sum is
/// exactly the single BCE of the paper; the split is what lets a session swap the stability term.
public class LwFMC: Strategy, @unchecked Sendable {
    public var wdReg: Float

    public init(wdReg: Float = 0) {
        self.wdReg = wdReg
        super.init()
        stability = LogitDistillation(weight: 1, source: .old, columns: .old, form: .sigmoidBCE, shareOfSeen: true)
    }
    public override var name: String { "lwf_mc" }

    /// BCE on the new columns [p, a) against one-hot labels, weighted by (a−p)/a.
    func taskTerm(_ z: Tensor, _ labels: [Int], _ ctx: TaskContext) throws -> Tensor {
        let p = ctx.oldClasses, a = ctx.seenClasses
        let zNew = try z.slice(dim: 1, start: p, end: a)
        let target = oneHot(labels.map { $0 - p }, classes: a - p)
        return try bceWithLogits(zNew, target) * (Float(a - p) / Float(a))
    }

    public override func observe(_ batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> LossTerms {
        var terms = LossTerms(student: try studentPass(batch.inputs, exp))
        terms.add("bce_new", try taskTerm(terms.student.logits, batch.labels, ctx))
        if ctx.task > 0 { try addStability(&terms, batch, ctx, exp) }
        // At every task, task 0 included, and so also in Phase 2's loss, as models/fl_lwf_mc.py does.
        if wdReg > 0 {
            var sq: Tensor? = nil
            for p in exp.net.parameters() where p.requiresGrad {
                let s = p.square().sum()
                sq = try sq.map { try $0 + s } ?? s
            }
            terms.add("wd_reg", sq.map { $0 * wdReg })
        }
        return terms
    }
}

extension MethodDeclaration {
    public static let lwfMC = MethodDeclaration(
        name: "lwf_mc", title: "LwF.MC", summary: "BCE distillation of the old model's sigmoid outputs on old columns",
        parameters: [ParameterDoc("wd_reg", "0", "weight of ‖θ‖² (all parameters, every task and phase)")]) { o in LwFMC(wdReg: o.float("wd_reg")) }
}
