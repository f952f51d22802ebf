import FLTensor

/// A problem with a data file or a benchmark request that the user can fix: it names the file
/// (when there is one), says what was expected and what was found, and how to obtain or fix
/// the data. Every reader in FLData throws this instead of crashing.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file or folder at fault, or nil for problems that are not about a file (geometry).
    public let path: String?
    /// What was expected and what was found.
    public let problem: String
    /// How to obtain or repair the data, e.g. "run `flnb data get mnist`".
    public let remedy: String?

    public init(path: String?, _ problem: String, remedy: String? = nil) {
        self.path = path
        self.problem = problem
        self.remedy = remedy
    }

    /// "path: problem — remedy", on one line so logs and the REPL show it whole.
    public var description: String {
        var text = path.map { "\($0): " } ?? ""
        text += problem
        if let remedy { text += " — \(remedy)" }
        return text
    }

    /// The same error with the remedy replaced (callers that know the dataset know better).
    public func withRemedy(_ remedy: String?) -> DataError {
        DataError(path: path, problem, remedy: remedy ?? self.remedy)
    }

    /// Converts any error from a lower layer (FileFormatError, FileError, TensorError) into a DataError
    /// for `path`, adding the remedy.
    static func wrap(_ error: Error, path: String, remedy: String?) -> DataError {
        switch error {
        case let e as DataError: return e.withRemedy(remedy)
        case let e as FileFormatError: return DataError(path: e.path, e.message, remedy: remedy)
        case let e as FileError: return DataError(path: e.path, "cannot \(e.verb): \(e.problem)", remedy: remedy)
        default: return DataError(path: path, "\(error)", remedy: remedy)
        }
    }

    /// The error for a file that is not there.
    static func missing(_ path: String, what: String, remedy: String?) -> DataError {
        DataError(path: path, "no such file (expected \(what))", remedy: remedy)
    }
}
