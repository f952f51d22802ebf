import Foundation
import FLTensor
import FLData

/// Named parameters with defaults, read by the registries (strategies, regularizers).
public struct Options: Sendable {
    public var values: [String: Double]
    public private(set) var used: Set<String> = []
    public init(_ values: [String: Double] = [:]) { self.values = values }

    public mutating func number(_ key: String, _ def: Double) -> Double { used.insert(key); return values[key] ?? def }
    public mutating func float(_ key: String, _ def: Float) -> Float { Float(number(key, Double(def))) }
    public mutating func int(_ key: String, _ def: Int) throws -> Int {
        let v = number(key, Double(def))
        guard v == v.rounded(), abs(v) < 1e15 else { throw ConfigurationError("\(key) must be a whole number (got \(formatNumber(v)))") }
        return Int(v)
    }
    /// Throws on keys nobody read (a typo, or a flag that does not apply to the method).
    public func checkAllUsed(_ what: String) throws {
        let extra = Set(values.keys).subtracting(used).sorted()
        if !extra.isEmpty {
            throw ConfigurationError("\(what) does not take \(extra.map { "'\($0)'" }.joined(separator: ", ")); it takes \(used.sorted().joined(separator: ", "))")
        }
    }
}

/// Description of one parameter, for help text.
public struct ParameterDoc: Sendable {
    public let name: String, defaultValue: String, summary: String
    public init(_ name: String, _ def: String, _ summary: String) { self.name = name; self.defaultValue = def; self.summary = summary }
}

/// Every method by its registry key.
public enum StrategyRegistry {
    public struct Entry: Sendable {
        public let name: String, title: String, summary: String
        public let parameters: [ParameterDoc]
        public let usesBuffer: Bool
    }

    public static let entries: [Entry] = [
        Entry(name: "sgd", title: "SGD", summary: "fine-tuning with cross-entropy (lower bound)", parameters: [], usesBuffer: false),
        Entry(name: "joint", title: "Joint", summary: "training on all data seen so far (upper bound)", parameters: [], usesBuffer: false),
        Entry(name: "lwf_mc", title: "LwF.MC", summary: "BCE distillation of the old model's sigmoid outputs on old columns",
              parameters: [ParameterDoc("wd_reg", "0", "weight of ‖θ‖² (all parameters, every task and phase)")], usesBuffer: false),
        Entry(name: "lwf", title: "LwF", summary: "Li & Hoiem: CE + α·KD (T = 2) on old columns, head warm-up",
              parameters: [ParameterDoc("alpha", "1", "distillation weight"), ParameterDoc("softmax_temp", "2", "temperature"),
                           ParameterDoc("warmup_epochs", "1", "new-head warm-up epochs before each task")], usesBuffer: false),
        Entry(name: "icarl", title: "iCaRL", summary: "LwF.MC loss on data ∪ exemplars, herding, nearest-mean classifier",
              parameters: [ParameterDoc("buffer_size", "2000", "exemplars in total"),
                           ParameterDoc("mammoth2020", "0", "1: rehearse exemplars as 2020 mammoth did on Seq-MNIST (uint8 cast without ×255: near-black images), which made the DER paper's iCaRL numbers; a bug, off by default")],
              usesBuffer: true),
        Entry(name: "lucir", title: "LUCIR", summary: "cosine head, less-forget, margin ranking, imprinting, balanced finetuning",
              parameters: [ParameterDoc("buffer_size", "2000", "exemplars in total"), ParameterDoc("lamda_base", "5", "less-forget weight (× √t)"),
                           ParameterDoc("lamda_mr", "1", "margin-ranking weight"), ParameterDoc("k_mr", "2", "hard negatives"),
                           ParameterDoc("mr_margin", "0.5", "margin"), ParameterDoc("fitting_epochs", "20", "balanced finetuning epochs"),
                           ParameterDoc("lr_finetune", "0.01", "finetuning learning rate"), ParameterDoc("imprint_weights", "1", "imprint new heads")],
              usesBuffer: true),
        Entry(name: "der", title: "DER", summary: "CE + α·MSE to logits in a reservoir buffer",
              parameters: [ParameterDoc("buffer_size", "500", "buffer size"), ParameterDoc("alpha", "1", "logit replay weight")], usesBuffer: true),
        Entry(name: "derpp", title: "DER++", summary: "DER + β·CE on a second buffer draw",
              parameters: [ParameterDoc("buffer_size", "500", "buffer size"), ParameterDoc("alpha", "1", "logit replay weight"),
                           ParameterDoc("beta", "0.5", "label replay weight")], usesBuffer: true),
        Entry(name: "xder", title: "X-DER", summary: "DER with transplant, SupCon on future heads, margin constraints",
              parameters: [ParameterDoc("buffer_size", "2000", "buffer size"), ParameterDoc("alpha", "0.6", "logit replay"),
                           ParameterDoc("beta", "0.9", "label replay (past heads)"), ParameterDoc("gamma", "0.85", "transplant scale"),
                           ParameterDoc("lambd", "0.05", "SupCon weight"), ParameterDoc("eta", "0.01", "constraint weight"),
                           ParameterDoc("m", "0.2", "constraint margin"), ParameterDoc("simclr_batch_size", "64", "SupCon images"),
                           ParameterDoc("simclr_temp", "5", "SupCon temperature"),
                           ParameterDoc("simclr_num_aug", "2", "SupCon views per image")], usesBuffer: true),
        Entry(name: "ewc_on", title: "online EWC", summary: "task loss + λ·Σ F(θ − θ*)²",
              parameters: [ParameterDoc("e_lambda", "10", "penalty weight λ"), ParameterDoc("gamma", "1", "Fisher decay"),
                           ParameterDoc("loss_ce", "0", "1: CE over all outputs (mammoth); 0: BCE on the current head (FL reference)"),
                           ParameterDoc("fisher_samples", "0", "cap on Fisher samples per task (0: all)")], usesBuffer: false),
    ]

    public static var names: [String] { entries.map(\.name) }

    /// Normalizes aliases ("fl_lwf_mc" → "lwf_mc", "ewc" → "ewc_on", "der++" → "derpp").
    public static func canonical(_ name: String) -> String {
        var n = name.lowercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
        if n.hasPrefix("fl_") { n.removeFirst(3) }
        switch n {
        case "ewc", "oewc", "online_ewc", "ewcon": return "ewc_on"
        case "der++", "der_pp": return "derpp"
        case "lwfmc": return "lwf_mc"
        case "x_der": return "xder"
        default: return n
        }
    }

    /// Builds a method from its name and options; unknown names and options are errors.
    public static func make(_ rawName: String, options: [String: Double] = [:]) throws -> Strategy {
        let name = canonical(rawName)
        var o = Options(options)
        let s: Strategy
        switch name {
        case "sgd": s = SGDStrategy()
        case "joint": s = JointStrategy()
        case "lwf_mc": s = LwFMC(wdReg: o.float("wd_reg", 0))
        case "lwf": s = LwF(alpha: o.float("alpha", 1), temperature: o.float("softmax_temp", 2), warmupEpochs: try o.int("warmup_epochs", 1))
        case "icarl": s = ICaRL(bufferSize: try o.int("buffer_size", 2000), mammoth2020: o.number("mammoth2020", 0) != 0)
        case "lucir":
            s = LUCIR(bufferSize: try o.int("buffer_size", 2000), lambdaBase: o.float("lamda_base", 5), lambdaMR: o.float("lamda_mr", 1),
                      kMR: try o.int("k_mr", 2), margin: o.float("mr_margin", 0.5), fittingEpochs: try o.int("fitting_epochs", 20),
                      lrFinetune: o.float("lr_finetune", 0.01), imprint: o.number("imprint_weights", 1) != 0)
        case "der": s = DER(bufferSize: try o.int("buffer_size", 500), alpha: o.float("alpha", 1))
        case "derpp": s = DER(bufferSize: try o.int("buffer_size", 500), alpha: o.float("alpha", 1), beta: o.float("beta", 0.5), plusPlus: true)
        case "xder":
            s = XDER(bufferSize: try o.int("buffer_size", 2000), alpha: o.float("alpha", 0.6), beta: o.float("beta", 0.9),
                     gamma: o.float("gamma", 0.85), lambda: o.float("lambd", 0.05), eta: o.float("eta", 0.01), m: o.float("m", 0.2),
                     simclrBatch: try o.int("simclr_batch_size", 64), simclrTemperature: o.float("simclr_temp", 5),
                     simclrViews: try o.int("simclr_num_aug", 2))
        case "ewc_on":
            s = OnlineEWC(lambda: o.float("e_lambda", 10), gamma: o.float("gamma", 1), taskLoss: o.number("loss_ce", 0) != 0 ? .ce : .bce,
                          maxFisherSamples: try o.int("fisher_samples", 0))
        default:
            let close = names.filter { editDistance($0, name) <= 2 }
            throw ConfigurationError("unknown method '\(rawName)'" + (close.isEmpty ? "" : "; did you mean \(close.map { "'\($0)'" }.joined(separator: " or "))?") + " Known: \(names.joined(separator: ", "))")
        }
        try o.checkAllUsed("method '\(name)'")
        return s
    }

    /// The options that rebuild `s` exactly (for snapshots and notebooks).
    public static func options(of s: Strategy) -> [String: Double] {
        var d: [String: Double] = [:]
        for (k, v) in s.hyperparameters { d[k] = v }
        return d
    }
}

/// Every regularizer by its registry key.
public enum RegularizerRegistry {
    public static let kinds = ["logit_distillation", "feature_distillation", "ewc", "logit_replay"]

    /// Builds a regularizer. `form`/`columns`/`schedule` are passed as strings in `text`.
    public static func make(_ kind: String, source: KnowledgeSource, options: [String: Double], text: [String: String] = [:]) throws -> Regularizer {
        var o = Options(options)
        let r: Regularizer
        switch kind {
        case "logit_distillation":
            let form = LogitDistillation.Form(rawValue: text["form"] ?? "bce")
            let cols = LogitDistillation.Columns(rawValue: text["columns"] ?? (source == .old ? "old" : "new"))
            guard let form, let cols else { throw ConfigurationError("logit_distillation: form is 'bce' or 'kd', columns 'old' or 'new'") }
            r = LogitDistillation(weight: o.float("weight", 1), source: source, columns: cols, form: form,
                                  temperature: o.float("temperature", 2), shareOfSeen: o.number("share_of_seen", 0) != 0)
        case "feature_distillation":
            guard let sch = FeatureDistillation.Schedule(rawValue: text["schedule"] ?? "constant") else {
                throw ConfigurationError("feature_distillation: schedule is 'constant', 'sqrt_t' or 'inv_sqrt_t'")
            }
            r = FeatureDistillation(weight: o.float("weight", 1), source: source, schedule: sch)
        case "ewc":
            r = ParameterImportance(weight: o.float("lambda", 1), source: source, gamma: o.float("gamma", 1),
                                    maxFisherSamples: try o.int("fisher_samples", 0))
        case "logit_replay":
            r = LogitReplay(alpha: o.float("alpha", 1), beta: o.float("beta", 0), source: source,
                            labelsOnPastHeads: o.number("past_heads", 0) != 0)
        default:
            throw ConfigurationError("unknown regularizer '\(kind)'; known: \(kinds.joined(separator: ", "))")
        }
        try o.checkAllUsed("regularizer '\(kind)'")
        return r
    }

    /// (kind, numeric options, text options) that rebuild `r`.
    public static func describe(_ r: Regularizer) -> (String, [String: Double], [String: String]) {
        switch r {
        case let l as LogitDistillation:
            return (l.kind, ["weight": Double(l.weight), "temperature": Double(l.temperature), "share_of_seen": l.shareOfSeen ? 1 : 0],
                    ["form": l.form.rawValue, "columns": l.columns.rawValue])
        case let f as FeatureDistillation:
            return (f.kind, ["weight": Double(f.weight)], ["schedule": f.schedule.rawValue])
        case let e as ParameterImportance:
            return (e.kind, ["lambda": Double(e.weight), "gamma": Double(e.gamma), "fisher_samples": Double(e.maxFisherSamples)], [:])
        case let l as LogitReplay:
            return (l.kind, ["alpha": Double(l.weight), "beta": Double(l.beta), "past_heads": l.labelsOnPastHeads ? 1 : 0], [:])
        default:
            return (r.kind, Dictionary(uniqueKeysWithValues: r.parameters), [:])
        }
    }
}

/// Edit distance, for every "did you mean" suggestion: Levenshtein, or with `swaps` the
/// optimal-string-alignment variant that counts a swap of neighbours as one edit ("scael" →
/// "scale"). When the lengths alone differ by more than `limit` it returns `limit + 1` at once.
public func editDistance<C: Collection>(_ a: C, _ b: C, swaps: Bool = false, limit: Int = .max) -> Int where C.Element: Equatable {
    let a = Array(a), b = Array(b)
    if abs(a.count - b.count) > limit { return limit + 1 }
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var rows = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { rows[i][0] = i }
    for j in 0...b.count { rows[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if swaps, i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
            }
        }
    }
    return rows[a.count][b.count]
}
