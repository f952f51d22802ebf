import Foundation
import FLTensor
import FLData
import FLCore

func methodBuiltins() -> [Builtin] {
    var out = StrategyRegistry.entries.map { entry -> Builtin in
        let params = entry.parameters.map { p -> Builtin.Parameter in
            .optional(p.name, default: Value(Double(p.defaultValue) ?? 0), p.summary)
        }
        let example = entry.parameters.isEmpty ? "strategy: \(entry.name)()" : "strategy: \(entry.name)(\(entry.parameters[0].name): \(entry.parameters[0].defaultValue))"
        return Builtin(entry.name, summary: "\(entry.title): \(entry.summary).", parameters: params, example: example) { a in
            var opts: [String: Double] = [:]
            for p in entry.parameters where a.isGiven(p.name) {
                opts[p.name] = p.kind == .flag ? try a[p.name].asBool.map { $0 ? 1 : 0 } ?? a.number(p.name) : try a.number(p.name)
            }
            _ = try StrategyRegistry.make(entry.name, options: opts)     // validate now
            return .object(MethodObject(name: entry.name, options: opts))
        }
    }
    out.append(Builtin("flashback", summary: "Flashback Learning: Phase 2 from θ*ₜ₋₁ with L_baseline + α_p·L_plastic (for tasks ≥ 1). Equal budget: epochs here + Phase 1 epochs = the original run's epochs.",
                       parameters: [.optional("alpha_p", default: 0.01, "plasticity weight α_p ≥ 0"), .optional("epochs", default: 1, "Phase 2 epochs"),
                                    .optional("milestones", default: Value([Value]()), "MultiStepLR milestones of Phase 2 (schf)"),
                                    .optional("primary_train_mode", default: false, "query θₚ in train mode like the reference")],
                       example: "flashback(alpha_p: 0.01, epochs: 2)") { a in
        let ms = try shapeArgument(a.list("milestones").items, name: "milestones")
        let c = FlashbackConfig(alphaP: Float(try a.number("alpha_p")), epochs: try a.int("epochs"), milestones: ms,
                                primaryInTrainMode: try a.bool("primary_train_mode"))
        try c.validate()
        return .object(FlashbackObject(c))
    })
    return out
}

func regularizerBuiltins() -> [Builtin] {
    ["ewc", "logit_distillation", "feature_distillation", "logit_replay"].map { kind in
        let d = RegularizerRegistry.declarations.first { $0.kind == kind }!
        let params = d.parameters.map { p -> Builtin.Parameter in
            switch p.kind {
            case .number: return .optional(p.name, default: Value(Double(p.defaultValue)!), p.summary)
            case .flag: return .optional(p.name, default: Value(p.defaultValue != "0"), p.summary)
            case .text: return .optional(p.name, default: p.defaultValue.isEmpty ? .null : Value(p.defaultValue), p.summary)
            }
        }
        return Builtin(kind, summary: d.summary, parameters: params, example: d.example) { a in
            var o: [String: Double] = [:], t: [String: String] = [:]
            var shown: [(String, Value)] = []
            // Numbers and flags first, then words: the order the recorded call text has always had.
            for p in d.parameters.filter({ $0.kind != .text }) + d.parameters.filter({ $0.kind == .text }) where a.isGiven(p.name) {
                switch p.kind {
                case .text: t[p.name] = try a.string(p.name)
                // Flags such as share_of_seen are booleans in scripts and 0/1 in the registry.
                case .number, .flag: o[p.name] = try a[p.name].asBool.map { $0 ? 1 : 0 } ?? a.number(p.name)
                }
                shown.append((p.name, a[p.name]))
            }
            _ = try RegularizerRegistry.make(kind, source: .old, options: o, text: t)   // validate now
            return .object(RegularizerObject(kind: kind, options: o, text: t, source: callText(a.signature.name, shown)))
        }
    }
}
