import Foundation

/// An error reading or writing a file, naming the file, what was expected and what was found.
public struct FileFormatError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let message: String
    public init(path: String, _ message: String) { self.path = path; self.message = message }
    public var description: String { "\(path): \(message)" }
}

/// Writes files so that a crash or kill mid-write leaves the previous version intact:
/// the bytes go to a temporary file in the same folder, are flushed, then renamed into place.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) || !isDir.boolValue {
            throw FileFormatError(path: path, "cannot write: folder \(dir) does not exist")
        }
        let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileFormatError(path: path, "cannot write: \(String(cString: strerror(errno)))") }
        var ok = true
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + off, raw.count - off)
                if n <= 0 { ok = false; break }
                off += n
            }
        }
        if ok { ok = fsync(fd) == 0 }
        close(fd)
        guard ok else { unlink(tmp); throw FileFormatError(path: path, "cannot write: \(String(cString: strerror(errno)))") }
        guard rename(tmp, path) == 0 else {
            let msg = String(cString: strerror(errno))
            unlink(tmp)
            throw FileFormatError(path: path, "cannot replace file: \(msg)")
        }
    }

    public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

    /// Reads a whole file, with a clear error when it is missing or unreadable.
    public static func read(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw FileFormatError(path: path, "no such file") }
        guard let d = FileManager.default.contents(atPath: path) else { throw FileFormatError(path: path, "cannot read the file") }
        return d
    }
}
