/// An error a caller can cause with bad input to a tensor operation: it names the operation
/// and the shapes involved. Internal invariants use `precondition` instead.
public struct TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func shapes(_ op: String, _ a: [Int], _ b: [Int], _ why: String) -> TensorError {
        TensorError("\(op): \(why): \(shapeString(a)) and \(shapeString(b))")
    }
}

/// `[2, 3]` → "[2, 3]".
public func shapeString(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
