import Foundation
import FLTensor
import FLCore

/// A method (strategy) as a value: its registry name and options; experiment() builds it.
public final class MethodObject: ScriptObject {
    public let name: String
    public let options: [String: Double]
    init(name: String, options: [String: Double]) { self.name = name; self.options = options }
    public var typeName: String { "method" }
    public var typeSummary: String { "A continual-learning method and its hyper-parameters; pass it as experiment(…, strategy: …)." }
    public var description: String {
        let entry = StrategyRegistry.entries.first { $0.name == name }
        let opts = options.sorted { $0.key < $1.key }.map { "\($0.key): \(formatNumber($0.value))" }
        return "\(name)(\(opts.joined(separator: ", ")))" + (entry.map { " — \($0.title): \($0.summary)" } ?? "")
    }
    public var members: [MemberInfo] { [MemberInfo("name", "registry key"), MemberInfo("options", "hyper-parameters as a dict")] }
    public func member(_ n: String) throws -> Value? {
        switch n {
        case "name": return Value(name)
        case "options": return optionsValue(options)
        default: return nil
        }
    }
}

/// Flashback's settings as a value: flashback(alpha_p:, epochs:, milestones:).
public final class FlashbackObject: ScriptObject {
    public let config: FlashbackConfig
    init(_ c: FlashbackConfig) { config = c }
    public var typeName: String { "flashback" }
    public var typeSummary: String { "Flashback Learning: Phase 2 from θ*ₜ₋₁ with L_baseline + α_p·L_plastic." }
    public var description: String {
        "flashback(alpha_p: \(formatNumber(Double(config.alphaP))), epochs: \(config.epochs)" +
            (config.milestones.isEmpty ? "" : ", milestones: [\(config.milestones.map(String.init).joined(separator: ", "))]") +
            (config.primaryInTrainMode ? ", primary_train_mode: true" : "") + ")"
    }
    public var members: [MemberInfo] { [MemberInfo("alpha_p", "plasticity weight α_p"), MemberInfo("epochs", "Phase 2 epochs")] }
    public func member(_ n: String) throws -> Value? {
        switch n {
        case "alpha_p": return Value(Double(config.alphaP))
        case "epochs": return Value(config.epochs)
        default: return nil
        }
    }
}

/// A regularizer as a value, not yet bound to a knowledge source: assigning it to
/// `run.stability` pulls toward θ*ₜ₋₁ and the buffer, to `run.plasticity` toward θₚ.
public final class RegularizerObject: ScriptObject {
    public let kind: String
    public let options: [String: Double]
    public let text: [String: String]
    /// The script call that made it (recorded in the run's history).
    public let source: String
    init(kind: String, options: [String: Double], text: [String: String], source: String) {
        self.kind = kind; self.options = options; self.text = text; self.source = source
    }
    /// A view of a live regularizer.
    convenience init(_ r: Regularizer) {
        let (k, o, t) = RegularizerRegistry.describe(r)
        self.init(kind: k, options: o, text: t, source: r.description)
    }
    func build(_ s: KnowledgeSource) throws -> Regularizer {
        try RegularizerRegistry.make(kind, source: s, options: options, text: text)
    }
    public var typeName: String { "regularizer" }
    public var typeSummary: String { "A stability or plasticity term; assign it to run.stability or run.plasticity." }
    public var description: String { source }
    public var members: [MemberInfo] { [MemberInfo("kind", "registry key"), MemberInfo("options", "parameters")] }
    public func member(_ n: String) throws -> Value? {
        switch n {
        case "kind": return Value(kind)
        case "options": return optionsValue(options)
        default: return nil
        }
    }
}

/// Script text for a call: name(k: v, …) with values printed as the script would write them.
func callText(_ name: String, _ args: [(String, Value)]) -> String {
    "\(name)(" + args.map { "\($0.0): \($0.1.repr)" }.joined(separator: ", ") + ")"
}

/// A method's or regularizer's numeric options as a script dict, in key order.
func optionsValue(_ options: [String: Double]) -> Value {
    let d = ScriptDict()
    for (k, v) in options.sorted(by: { $0.key < $1.key }) { d[.string(k)] = Value(v) }
    return .dict(d)
}
