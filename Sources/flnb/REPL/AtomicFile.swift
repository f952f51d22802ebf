import Foundation

/// A file that could not be read or written, with a message naming it.
struct FileError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }

    /// "cannot VERB 'PATH': strerror(code)".
    init(_ verb: String, _ path: String, errno code: Int32) {
        message = "cannot \(verb) '\(path)': \(String(cString: strerror(code)))"
    }

    init(message: String) {
        self.message = message
    }
}

/// Reading text files and replacing files atomically (DESIGN.md §5: "nothing is lost").
enum AtomicFile {
    /// The contents of the UTF-8 text file at `path`.
    /// - Throws: `FileError` saying why (missing, a directory, unreadable, not UTF-8).
    static func readText(_ path: String) throws -> String {
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
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError("read", path, errno: errno)
            }
            if count == 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileError(message: "cannot read '\(path)': it is not UTF-8 text")
        }
        return text
    }

    /// Replaces the file at `path` with `text`: writes a temporary file in the same folder,
    /// flushes it to disk and renames it into place, so a crash leaves the old file intact.
    /// An existing file keeps its permissions; a symbolic link keeps pointing at the new text.
    static func write(_ text: String, to path: String) throws {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let folder = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        let temporary = (folder.isEmpty ? "." : folder) + "/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        var existing = stat()
        let hasExisting = stat(target, &existing) == 0
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw FileError("write", path, errno: errno) }
        var failure: Int32 = 0
        if hasExisting { _ = fchmod(descriptor, existing.st_mode & 0o7777) }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count, failure == 0 {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno != EINTR { failure = errno }
            } else {
                offset += written
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
}
