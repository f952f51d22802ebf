import Foundation

/// The one way a Swift type becomes a script value: tensors, benchmarks, strategies and
/// experiments all implement this protocol, so printing, `help`, completion, operators,
/// indexing and iteration work the same for each.
///
/// Everything has a default: a minimal object needs only `typeName`. Any Swift error thrown
/// from a requirement becomes a runtime diagnostic at the script position that triggered it;
/// throw `ScriptError("…")` for a message written for the user.
public protocol ScriptObject: AnyObject {
    /// The name `type(x)`, help and error messages use, e.g. "experiment".
    var typeName: String { get }
    /// One line saying what the type is, shown first by `help(x)`.
    var typeSummary: String { get }
    /// The members with a one-line summary each, for `help(x)` and tab completion.
    var members: [MemberInfo] { get }
    /// The value of member `name` (a property, or a method as a `.builtin` bound to `self`);
    /// nil when there is no such member.
    func member(_ name: String) throws -> Value?
    /// Assigns `x.name = value`; by default members are read-only.
    func setMember(_ name: String, to value: Value) throws
    /// What printing the object shows; may span several lines.
    var description: String { get }
    /// `self op other` (or `other op self` when `objectIsLeft` is false); nil when unsupported.
    func binary(_ op: BinaryOperator, _ other: Value, objectIsLeft: Bool) throws -> Value?
    /// `-self`; nil when unsupported.
    func unary(_ op: UnaryOperator) throws -> Value?
    /// `self[i, a:b]`: one component per comma-separated index.
    func subscriptGet(_ index: [IndexComponent]) throws -> Value
    /// `self[i, a:b] = value`.
    func subscriptSet(_ index: [IndexComponent], to value: Value) throws
    /// The elements `for x in self` visits.
    func makeIterator() throws -> AnyIterator<Value>
    /// `self(…)`; resolve the arguments with a `Signature`.
    func call(_ arguments: [LabeledValue], interpreter: Interpreter) throws -> Value
    /// What `len(self)` returns; nil when the object has no length.
    var length: Int? { get }
}

/// An argument as the caller wrote it: `value` or `label: value`.
public typealias LabeledValue = (label: String?, value: Value)

/// A member's name and one-line summary, for help and completion.
public struct MemberInfo: Sendable {
    public var name: String
    public var summary: String
    /// Methods are shown as `name()` and completed with "(".
    public var isMethod: Bool

    public init(_ name: String, _ summary: String, isMethod: Bool = false) {
        self.name = name
        self.summary = summary
        self.isMethod = isMethod
    }

    /// A method member.
    public static func method(_ name: String, _ summary: String) -> MemberInfo {
        MemberInfo(name, summary, isMethod: true)
    }
}

/// One comma-separated part of an index: `t[0, 1:3]` has a value and a slice.
public enum IndexComponent {
    case value(Value)
    case slice(SliceBounds)
}

/// `start:stop:step` with Python semantics (negative positions count from the end).
public struct SliceBounds: Hashable, Sendable, CustomStringConvertible {
    public var start: Int?
    public var stop: Int?
    /// Never 0 (the interpreter rejects it).
    public var step: Int?

    public init(start: Int? = nil, stop: Int? = nil, step: Int? = nil) {
        self.start = start
        self.stop = stop
        self.step = step
    }

    /// The concrete start, stop and step for a sequence of `count` elements, clamped like Python's.
    public func resolved(count: Int) -> (start: Int, stop: Int, step: Int) {
        let step = self.step ?? 1
        let lower = step < 0 ? -1 : 0
        let upper = step < 0 ? count - 1 : count
        func clamp(_ bound: Int?, default value: Int) -> Int {
            guard let bound else { return value }
            return bound < 0 ? max(bound + count, lower) : min(bound, upper)
        }
        return (clamp(start, default: step < 0 ? upper : lower), clamp(stop, default: step < 0 ? lower : upper), step)
    }

    /// The positions the slice selects in a sequence of `count` elements.
    public func indices(count: Int) -> [Int] {
        let (start, stop, step) = resolved(count: count)
        return Array(stride(from: start, to: stop, by: step))
    }

    public var description: String {
        let parts = [start.map(String.init) ?? "", stop.map(String.init) ?? ""]
        return parts.joined(separator: ":") + (step.map { ":\($0)" } ?? "")
    }
}

extension ScriptObject {
    public var typeSummary: String { "" }
    public var members: [MemberInfo] { [] }
    public func member(_ name: String) throws -> Value? { nil }

    public func setMember(_ name: String, to value: Value) throws {
        if members.contains(where: { $0.name == name }) {
            throw ScriptError("member '\(name)' of \(typeName) cannot be assigned")
        }
        throw ScriptError("\(typeName) has no member '\(name)'" + Suggestions.didYouMean(name, in: members.map(\.name)))
    }

    public var description: String { "<\(typeName)>" }
    public func binary(_ op: BinaryOperator, _ other: Value, objectIsLeft: Bool) throws -> Value? { nil }
    public func unary(_ op: UnaryOperator) throws -> Value? { nil }

    public func subscriptGet(_ index: [IndexComponent]) throws -> Value {
        throw ScriptError("\(typeName) cannot be indexed")
    }

    public func subscriptSet(_ index: [IndexComponent], to value: Value) throws {
        throw ScriptError("\(typeName) does not support index assignment")
    }

    public func makeIterator() throws -> AnyIterator<Value> {
        throw ScriptError("cannot iterate over \(typeName)")
    }

    public func call(_ arguments: [LabeledValue], interpreter: Interpreter) throws -> Value {
        throw ScriptError("\(typeName) is not callable")
    }

    public var length: Int? { nil }
}
