import Foundation
import FLTensor
import FLData

/// One parameter as a method or regularizer declares it: its name, default, help, and whether
/// scripts pass it as a number, a flag (true/false, kept as 1/0) or a word.
public struct ParameterDoc: Sendable {
    public enum Kind: Sendable { case number, flag, text }
    public let name: String, defaultValue: String, summary: String, kind: Kind
    public init(_ name: String, _ def: String, _ summary: String, kind: Kind = .number) {
        self.name = name; self.defaultValue = def; self.summary = summary; self.kind = kind
    }
}

/// The options given to a method or regularizer, read against its declaration: a parameter's
/// default is the declared one, so it is written once. It notes what was read, so a test can
/// check that every declared parameter reaches the object built.
public final class Options: @unchecked Sendable {
    public let values: [String: Double], text: [String: String]
    let declared: [ParameterDoc]
    private(set) var read: Set<String> = []
    public init(_ values: [String: Double] = [:], text: [String: String] = [:], declared: [ParameterDoc]) {
        self.values = values; self.text = text; self.declared = declared
    }

    private func declaration(_ key: String) -> ParameterDoc {
        guard let p = declared.first(where: { $0.name == key }) else { preconditionFailure("parameter '\(key)' is read but not declared") }
        read.insert(key)
        return p
    }
    public func number(_ key: String) -> Double { let d = declaration(key); return values[key] ?? Double(d.defaultValue)! }
    public func float(_ key: String) -> Float { Float(number(key)) }
    public func flag(_ key: String) -> Bool { number(key) != 0 }
    public func int(_ key: String) throws -> Int {
        let v = number(key)
        guard v == v.rounded(), abs(v) < 1e15 else { throw ConfigurationError("\(key) must be a whole number (got \(formatNumber(v)))") }
        return Int(v)
    }
    /// A word option; nil when neither given nor declared with a default.
    public func word(_ key: String) -> String? {
        let d = declaration(key).defaultValue
        return text[key] ?? (d.isEmpty ? nil : d)
    }
    /// Throws on keys not declared (a typo, or a flag that does not apply to the method).
    public func checkDeclared(_ what: String) throws {
        let extra = Set(values.keys).union(text.keys).subtracting(declared.map(\.name)).sorted()
        if !extra.isEmpty {
            throw ConfigurationError("\(what) does not take \(extra.map { "'\($0)'" }.joined(separator: ", ")); it takes \(declared.map(\.name).sorted().joined(separator: ", "))")
        }
    }
}

/// What a method says about itself, once: key, title, summary, parameters, whether it keeps a
/// buffer, and how it is built from options. The registry, `help()`, `flnb train --help` and
/// construction all read this one value; each method declares it in its own file.
public struct MethodDeclaration: Sendable {
    public let name: String, title: String, summary: String
    public let parameters: [ParameterDoc]
    public let usesBuffer: Bool
    let build: @Sendable (Options) throws -> Strategy
    public init(name: String, title: String, summary: String, parameters: [ParameterDoc] = [], usesBuffer: Bool = false,
                build: @escaping @Sendable (Options) throws -> Strategy) {
        self.name = name; self.title = title; self.summary = summary; self.parameters = parameters; self.usesBuffer = usesBuffer; self.build = build
    }
}

/// What a regularizer says about itself, once (see `MethodDeclaration`).
public struct RegularizerDeclaration: Sendable {
    public let kind: String, summary: String, example: String
    public let parameters: [ParameterDoc]
    let build: @Sendable (Options, KnowledgeSource) throws -> Regularizer
    public init(kind: String, summary: String, example: String, parameters: [ParameterDoc],
                build: @escaping @Sendable (Options, KnowledgeSource) throws -> Regularizer) {
        self.kind = kind; self.summary = summary; self.example = example; self.parameters = parameters; self.build = build
    }
}

/// Every method by its registry key.
public enum StrategyRegistry {
    public typealias Entry = MethodDeclaration

    public static let entries: [MethodDeclaration] = [
        .sgd, .joint, .lwfMC, .lwf, .icarl, .lucir, .der, .derpp, .xder, .onlineEWC,
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
        guard let d = entries.first(where: { $0.name == name }) else {
            let close = names.filter { editDistance($0, name) <= 2 }
            throw ConfigurationError("unknown method '\(rawName)'" + (close.isEmpty ? "" : "; did you mean \(close.map { "'\($0)'" }.joined(separator: " or "))?") + " Known: \(names.joined(separator: ", "))")
        }
        let o = Options(options, declared: d.parameters)
        try o.checkDeclared("method '\(name)'")
        return try d.build(o)
    }
}

/// Every regularizer by its registry key.
public enum RegularizerRegistry {
    public static let declarations: [RegularizerDeclaration] = [
        .logitDistillation, .featureDistillation, .ewc, .logitReplay,
    ]
    public static var kinds: [String] { declarations.map(\.kind) }

    /// Builds a regularizer; `form`/`columns`/`schedule` are word options in `text`.
    public static func make(_ kind: String, source: KnowledgeSource, options: [String: Double], text: [String: String] = [:]) throws -> Regularizer {
        guard let d = declarations.first(where: { $0.kind == kind }) else {
            throw ConfigurationError("unknown regularizer '\(kind)'; known: \(kinds.joined(separator: ", "))")
        }
        let o = Options(options, text: text, declared: d.parameters)
        try o.checkDeclared("regularizer '\(kind)'")
        return try d.build(o, source)
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
