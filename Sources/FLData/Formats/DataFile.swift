import Foundation

/// Reading data files whole: memory-mapped when plain, decompressed through zlib when they start
/// with the gzip magic (whatever their extension), with errors that name the file.
public enum DataFile {
    /// Calls `body` with the file's bytes (decompressed if gzip).
    /// - Parameters:
    ///   - path: the file.
    ///   - expected: what the file should be, for the "missing" message ("MNIST training images").
    ///   - remedy: how to get the data, appended to every error.
    public static func withContents<T>(_ path: String, expected: String, remedy: String?,
                                       _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let data = try mapped(path, expected: expected, remedy: remedy)
        do {
            return try data.withUnsafeBytes { raw in
                if Zlib.isGzip(raw) {
                    let plain = try Zlib.gunzip(raw, path: path)
                    return try plain.withUnsafeBytes { try body($0) }
                }
                return try body(raw)
            }
        } catch {
            throw DataError.wrap(error, path: path, remedy: remedy)
        }
    }

    /// The raw bytes of a file, memory-mapped (so a 1 GB array is not copied before parsing).
    public static func mapped(_ path: String, expected: String, remedy: String?) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.missing(path, what: expected, remedy: remedy)
        }
        if isDirectory.boolValue {
            throw DataError(path: path, "expected a file (\(expected)), found a folder", remedy: remedy)
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw DataError(path: path, "cannot read the file (\(expected)): \(error.localizedDescription)", remedy: remedy)
        }
    }

    /// Whether a regular file exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// The first of `names` (each also tried with `.gz` appended) that exists in `folder`.
    static func firstExisting(in folder: String, names: [String]) -> String? {
        for name in names {
            for candidate in [name, name + ".gz"] where exists(folder + "/" + candidate) {
                return folder + "/" + candidate
            }
        }
        return nil
    }
}
