import Foundation

/// An error reading or writing a file, naming the file, what was expected and what was found.
public struct FileFormatError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let message: String
    public init(path: String, _ message: String) { self.path = path; self.message = message }
    public var description: String { "\(path): \(message)" }
}

/// A file that could not be read or written: "cannot VERB 'PATH': PROBLEM".
public struct FileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// "read" or "write".
    public let verb: String
    public let path: String
    /// Why, e.g. the system's message for the error number.
    public let problem: String

    public init(_ verb: String, _ path: String, problem: String) {
        self.verb = verb
        self.path = path
        self.problem = problem
    }

    /// The system's message for `code` (`strerror`).
    public init(_ verb: String, _ path: String, errno code: Int32) {
        self.init(verb, path, problem: String(cString: strerror(code)))
    }

    public var description: String { "cannot \(verb) '\(path)': \(problem)" }
}

/// Reading files, and replacing them so that a crash or kill mid-write leaves the previous
/// version intact (DESIGN.md §5, "nothing is lost"): the bytes go to a temporary file in the
/// same folder, are flushed to disk, then renamed into place.
public enum AtomicFile {
    /// Replaces the file at `path` with `data`. An existing file keeps its permissions; a
    /// symbolic link keeps pointing at the new contents (the file it names is replaced).
    /// - Throws: `FileError` naming the file (a missing folder is said as such).
    public static func write(_ data: Data, to path: String) throws {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let folder = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        let directory = folder.isEmpty ? "." : folder
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileError("write", path, problem: "folder \(directory) does not exist")
        }
        let temporary = directory + "/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        var existing = stat()
        let hasExisting = stat(target, &existing) == 0
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw FileError("write", path, errno: errno) }
        var failure: Int32 = 0
        if hasExisting { _ = fchmod(descriptor, existing.st_mode & 0o7777) }
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count, failure == 0 {
                let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno != EINTR { failure = errno }
                } else {
                    offset += written
                }
            }
        }
        if failure == 0, fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0, failure == 0 { failure = errno }
        if failure == 0, rename(temporary, target) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw FileError("write", path, errno: failure)
        }
    }

    /// Replaces the file at `path` with `text` as UTF-8; see `write(_:to:)` for data.
    public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

    /// Reads a whole file, with a clear error when it is missing or unreadable.
    public static func read(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw FileFormatError(path: path, "no such file") }
        guard let d = FileManager.default.contents(atPath: path) else { throw FileFormatError(path: path, "cannot read the file") }
        return d
    }

    /// The contents of the UTF-8 text file at `path`.
    /// - Throws: `FileError` saying why (missing, a directory, unreadable, not UTF-8).
    public static func readText(_ path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError("read", path, errno: errno) }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw FileError("read", path, errno: EISDIR)
        }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError("read", path, errno: errno)
            }
            if count == 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileError("read", path, problem: "it is not UTF-8 text")
        }
        return text
    }
}
