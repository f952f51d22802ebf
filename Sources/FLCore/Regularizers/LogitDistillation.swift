import Foundation
import FLTensor
import FLData

/// Distillation at the logits, toward the old model (stability) or the primary model
/// (plasticity), on the old columns [0, p) or the new columns [p, a).
///
/// - `sigmoidBCE`: BCE(z[:, cols], σ(z_teacher[:, cols])) — LwF.MC and iCaRL. With
///   `shareOfSeen`, the BCE mean runs over the batch × all a seen columns, so that this term
///   plus the task term on [p, a) equals LwF.MC's single BCE over [0, a) exactly.
/// - `softmaxKD`: KL(softmax(z_t/T) ‖ softmax(z/T)) averaged over the batch — plain LwF (Li &
///   Hoiem), T = 2 (same gradient as mammoth's cross-entropy form; the loss differs by the
///   teacher's entropy, a constant).
public final class LogitDistillation: Regularizer, @unchecked Sendable {
    public enum Columns: String, Codable, Sendable { case old, new }
    public enum Form: String, Codable, Sendable { case sigmoidBCE = "bce", softmaxKD = "kd" }

    public var columns: Columns
    public var form: Form
    public var temperature: Float
    public var shareOfSeen: Bool

    public init(weight: Float = 1, source: KnowledgeSource = .old, columns: Columns = .old, form: Form = .sigmoidBCE,
                temperature: Float = 2, shareOfSeen: Bool = false) {
        self.columns = columns; self.form = form; self.temperature = temperature; self.shareOfSeen = shareOfSeen
        super.init(weight: weight, source: source)
    }

    public override var kind: String { "logit_distillation" }
    public override var parameters: [(String, Double)] {
        var p: [(String, Double)] = [("weight", Double(weight))]
        if form == .softmaxKD { p.append(("temperature", Double(temperature))) }
        if shareOfSeen { p.append(("share_of_seen", 1)) }
        return p
    }
    public override var textParameters: [(String, String)] { [("form", form.rawValue), ("columns", columns.rawValue)] }

    public override func attach(to exp: Experiment) throws -> String? { keepOldModel(exp) }

    public override func loss(student: StudentPass, batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> Tensor? {
        let p = ctx.oldClasses, a = ctx.seenClasses
        let range = columns == .old ? 0..<p : p..<a
        guard !range.isEmpty, let model = teacher(exp) else { return nil }
        let t = try teacherPass(model, batch.inputs)
        let z = try student.logits.slice(dim: 1, start: range.lowerBound, end: range.upperBound)
        let zt = try t.logits.slice(dim: 1, start: range.lowerBound, end: range.upperBound)
        switch form {
        case .sigmoidBCE:
            var l = try bceWithLogits(z, zt.sigmoid())
            if shareOfSeen { l = l * (Float(range.count) / Float(a)) }
            return l * weight
        case .softmaxKD:
            let q = try (zt * (1 / temperature)).softmax()
            let logp = try (z * (1 / temperature)).logSoftmax()
            return try klDivergence(logQ: logp, p: q) * weight
        }
    }
}

/// Distillation at the features: weight · factor(t) · mean(1 − cos(f, f_teacher)) — LUCIR's
/// less-forget term (factor √t, toward the old model) and Flashback's plastic term for LUCIR
/// (factor 1/√t, toward the primary model).
public final class FeatureDistillation: Regularizer, @unchecked Sendable {
    public enum Schedule: String, Codable, Sendable { case constant, sqrtTask = "sqrt_t", inverseSqrtTask = "inv_sqrt_t" }
    public var schedule: Schedule

    public init(weight: Float = 1, source: KnowledgeSource = .old, schedule: Schedule = .constant) {
        self.schedule = schedule
        super.init(weight: weight, source: source)
    }
    public override var kind: String { "feature_distillation" }
    public override var textParameters: [(String, String)] { [("schedule", schedule.rawValue)] }

    public func factor(task t: Int) -> Float {
        switch schedule {
        case .constant: return 1
        case .sqrtTask: return Float(t).squareRoot()
        case .inverseSqrtTask: return t > 0 ? 1 / Float(t).squareRoot() : 1
        }
    }

    public override func attach(to exp: Experiment) throws -> String? { keepOldModel(exp) }

    public override func loss(student: StudentPass, batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> Tensor? {
        guard ctx.task > 0, let model = teacher(exp) else { return nil }
        let t = try teacherPass(model, batch.inputs)
        let cos = try cosineSimilarity(student.features, t.features)
        return (1 - cos).mean() * (weight * factor(task: ctx.task))
    }
}

extension RegularizerDeclaration {
    public static let logitDistillation = RegularizerDeclaration(
        kind: "logit_distillation", summary: "Distillation at the logits: BCE to sigmoid targets (LwF.MC) or softmax KD (LwF).",
        example: "run.stability = logit_distillation(form: \"kd\")",
        parameters: [ParameterDoc("weight", "1", "weight"), ParameterDoc("form", "bce", "\"bce\" or \"kd\"", kind: .text),
                     ParameterDoc("columns", "", "\"old\" or \"new\" (default: old for stability, new for plasticity)", kind: .text),
                     ParameterDoc("temperature", "2", "KD temperature"),
                     ParameterDoc("share_of_seen", "0", "average the BCE over all seen columns (LwF.MC's own split of its single BCE)", kind: .flag)]) { o, source in
        guard let form = LogitDistillation.Form(rawValue: o.word("form")!), let cols = LogitDistillation.Columns(rawValue: o.word("columns") ?? (source == .old ? "old" : "new")) else {
            throw ConfigurationError("logit_distillation: form is 'bce' or 'kd', columns 'old' or 'new'")
        }
        return LogitDistillation(weight: o.float("weight"), source: source, columns: cols, form: form,
                                 temperature: o.float("temperature"), shareOfSeen: o.flag("share_of_seen"))
    }
}

extension RegularizerDeclaration {
    public static let featureDistillation = RegularizerDeclaration(
        kind: "feature_distillation", summary: "Distillation at the features: weight·mean(1 − cos(f, f_teacher)) (LUCIR's less-forget).",
        example: "run.stability = feature_distillation(weight: 5, schedule: \"sqrt_t\")",
        parameters: [ParameterDoc("weight", "1", "weight"),
                     ParameterDoc("schedule", "constant", "\"constant\", \"sqrt_t\" or \"inv_sqrt_t\"", kind: .text)]) { o, source in
        guard let schedule = FeatureDistillation.Schedule(rawValue: o.word("schedule")!) else {
            throw ConfigurationError("feature_distillation: schedule is 'constant', 'sqrt_t' or 'inv_sqrt_t'")
        }
        return FeatureDistillation(weight: o.float("weight"), source: source, schedule: schedule)
    }
}
