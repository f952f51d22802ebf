import Foundation
import FLTensor

/// NumPy `.npz` archives: a zip of `.npy` members named `KEY.npy`, stored (`np.savez`) or
/// deflated (`np.savez_compressed`). The zip layer lives here because zlib is linked by FLData;
/// each member is parsed by FLTensor's `NPY`.
public enum NPZ {
    /// Every array of an archive, in archive order, keyed without the `.npy` suffix.
    public static func read(_ path: String, remedy: String? = nil) throws -> [(key: String, array: NPYArray)] {
        let archive = try ZipArchive(path: path, remedy: remedy)
        do {
            return try archive.entries.filter { !$0.name.hasSuffix("/") }.map { entry in
                (key: key(of: entry.name), array: try decode(archive, entry))
            }
        } catch { throw DataError.wrap(error, path: path, remedy: remedy) }
    }

    /// The keys of an archive, in archive order, without reading the arrays.
    public static func keys(_ path: String, remedy: String? = nil) throws -> [String] {
        try ZipArchive(path: path, remedy: remedy).entries.map { key(of: $0.name) }
    }

    /// One array of an archive; the error lists the keys that exist when `key` does not.
    public static func array(_ key: String, in path: String, remedy: String? = nil) throws -> NPYArray {
        let archive = try ZipArchive(path: path, remedy: remedy)
        guard let entry = archive.entry(named: key + ".npy") ?? archive.entry(named: key) else {
            let keys = archive.entries.map { NPZ.key(of: $0.name) }.joined(separator: ", ")
            throw DataError(path: path, "expected an array named '\(key)', found only [\(keys)]", remedy: remedy)
        }
        do { return try decode(archive, entry) } catch { throw DataError.wrap(error, path: path, remedy: remedy) }
    }

    /// Writes arrays as an `.npz` archive (atomically).
    /// - Parameter compressed: deflate the members, as `np.savez_compressed` does.
    public static func write(_ arrays: [(String, NPYArray)], to path: String, compressed: Bool = false) throws {
        try AtomicFile.write(Data(try encode(arrays, compressed: compressed)), to: path)
    }

    /// The bytes of an `.npz` archive holding `arrays`.
    public static func encode(_ arrays: [(String, NPYArray)], compressed: Bool = false) throws -> [UInt8] {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        func le16(_ v: Int, _ buf: inout [UInt8]) { buf += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int, _ buf: inout [UInt8]) { for i in 0..<4 { buf.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
        let dosDate = (0 << 9) | (1 << 5) | 1  // 1980-01-01: fixed, so the same arrays give the same bytes
        for (key, array) in arrays {
            let name = Array((key + ".npy").utf8)
            let plain = NPY.encode(array)
            let body = compressed ? Zlib.compress(plain, gzip: false) : plain
            guard plain.count < 0xFFFF_FFFF, out.count < 0xFFFF_FFFF else {
                throw DataError(path: nil, "npz: array '\(key)' is too large for a non-zip64 archive (\(plain.count) bytes)")
            }
            let crc = Int(plain.withUnsafeBytes { Zlib.crc32($0) })
            let offset = out.count
            let method = compressed ? 8 : 0
            // Local file header.
            le32(0x0403_4B50, &out); le16(20, &out); le16(0, &out); le16(method, &out)
            le16(0, &out); le16(dosDate, &out); le32(crc, &out); le32(body.count, &out); le32(plain.count, &out)
            le16(name.count, &out); le16(0, &out)
            out += name
            out += body
            // Central directory entry.
            le32(0x0201_4B50, &directory); le16(20, &directory); le16(20, &directory); le16(0, &directory)
            le16(method, &directory); le16(0, &directory); le16(dosDate, &directory); le32(crc, &directory)
            le32(body.count, &directory); le32(plain.count, &directory); le16(name.count, &directory)
            le16(0, &directory); le16(0, &directory); le16(0, &directory); le16(0, &directory); le32(0, &directory)
            le32(offset, &directory)
            directory += name
        }
        let directoryOffset = out.count
        out += directory
        le32(0x0605_4B50, &out); le16(0, &out); le16(0, &out); le16(arrays.count, &out); le16(arrays.count, &out)
        le32(directory.count, &out); le32(directoryOffset, &out); le16(0, &out)
        return out
    }

    private static func key(of member: String) -> String {
        member.hasSuffix(".npy") ? String(member.dropLast(4)) : member
    }

    private static func decode(_ archive: ZipArchive, _ entry: ZipArchive.Entry) throws -> NPYArray {
        try NPY.decode(archive.contents(of: entry), path: "\(archive.path):\(entry.name)")
    }
}
