import Foundation

/// A read-only zip archive (what `.npz` files are): members stored or deflated, zip64 sizes
/// and offsets, CRC-checked. The whole archive is memory-mapped; members are decompressed on demand.
public struct ZipArchive {
    /// One member of the archive, as its central directory describes it.
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// 0 = stored, 8 = deflated.
        public let method: UInt16
        public let compressedSize: Int
        public let size: Int
        public let crc32: UInt32
        let localHeaderOffset: Int
        let flags: UInt16
    }

    /// The archive file, named in errors.
    public let path: String
    /// The members in central-directory order.
    public let entries: [Entry]
    private let data: Data

    /// Opens an archive file.
    public init(path: String, remedy: String? = nil) throws {
        let data = try DataFile.mapped(path, expected: "a zip archive (.npz)", remedy: remedy)
        try self.init(data: data, path: path)
    }

    /// Reads an archive held in memory; `path` names it in errors.
    public init(data: Data, path: String) throws {
        self.path = path
        self.data = data
        self.entries = try data.withUnsafeBytes { try ZipArchive.centralDirectory($0, path: path) }
    }

    /// The member called `name`, if any.
    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The decompressed bytes of a member, checked against its size and CRC.
    public func contents(of entry: Entry) throws -> [UInt8] {
        let where_ = "\(path):\(entry.name)"
        func bad(_ m: String) -> DataError { DataError(path: where_, m) }
        return try data.withUnsafeBytes { raw -> [UInt8] in
            let at = entry.localHeaderOffset
            guard at >= 0, at + 30 <= raw.count, raw.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian == 0x0403_4B50 else {
                throw bad("expected a local file header (PK\\3\\4) at offset \(at), found none (archive truncated or corrupt)")
            }
            let nameLength = Int(raw.loadUnaligned(fromByteOffset: at + 26, as: UInt16.self).littleEndian)
            let extraLength = Int(raw.loadUnaligned(fromByteOffset: at + 28, as: UInt16.self).littleEndian)
            let start = at + 30 + nameLength + extraLength
            guard start + entry.compressedSize <= raw.count else {
                throw bad("expected \(entry.compressedSize) bytes of member data at offset \(start), the archive has \(max(0, raw.count - start)) (truncated?)")
            }
            let body = UnsafeRawBufferPointer(rebasing: raw[start..<(start + entry.compressedSize)])
            let bytes: [UInt8]
            switch entry.method {
            case 0:
                guard entry.compressedSize == entry.size else { throw bad("stored member: size \(entry.size) differs from stored size \(entry.compressedSize)") }
                bytes = Array(body)
            case 8:
                do { bytes = try Zlib.inflateRaw(body, expectedSize: entry.size) } catch let f as Zlib.Failure {
                    throw bad("cannot inflate the member: \(f.message)")
                }
                guard bytes.count == entry.size else { throw bad("expected \(entry.size) bytes after inflating, found \(bytes.count)") }
            default:
                throw bad("compression method \(entry.method) is not supported (expected 0 stored or 8 deflate)")
            }
            let crc = bytes.withUnsafeBytes { Zlib.crc32($0) }
            guard crc == entry.crc32 else {
                throw bad(String(format: "CRC-32 mismatch: expected %08x, found %08x (corrupt archive)", entry.crc32, crc))
            }
            return bytes
        }
    }

    /// Parses the end-of-central-directory record (and its zip64 form) and the central directory.
    private static func centralDirectory(_ raw: UnsafeRawBufferPointer, path: String) throws -> [Entry] {
        func bad(_ m: String) -> DataError { DataError(path: path, "not a valid zip archive: \(m)") }
        func u16(_ o: Int) -> Int { Int(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self).littleEndian) }
        func u32(_ o: Int) -> Int { Int(raw.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian) }
        func u64(_ o: Int) -> Int { Int(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self).littleEndian) }
        guard raw.count >= 22 else { throw bad("expected at least 22 bytes (an end-of-central-directory record), found \(raw.count)") }
        // The record sits at the end, followed by a comment of up to 65,535 bytes.
        var eocd = -1
        var o = raw.count - 22
        let lowest = max(0, raw.count - 22 - 65_535)
        while o >= lowest {
            if u32(o) == 0x0605_4B50 { eocd = o; break }
            o -= 1
        }
        guard eocd >= 0 else { throw bad("no end-of-central-directory record (PK\\5\\6) in the last 64 KiB (truncated or not a zip)") }
        var count = u16(eocd + 10)
        var directorySize = u32(eocd + 12)
        var directoryOffset = u32(eocd + 16)
        if (count == 0xFFFF || directoryOffset == 0xFFFF_FFFF) && eocd >= 20 && u32(eocd - 20) == 0x0706_4B50 {
            let record = u64(eocd - 20 + 8)
            guard record >= 0, record + 56 <= raw.count, u32(record) == 0x0606_4B50 else { throw bad("broken zip64 end-of-central-directory locator") }
            count = u64(record + 32)
            directorySize = u64(record + 40)
            directoryOffset = u64(record + 48)
        }
        guard directoryOffset >= 0, directorySize >= 0, directoryOffset + directorySize <= raw.count else {
            throw bad("the central directory (offset \(directoryOffset), \(directorySize) bytes) lies outside the \(raw.count)-byte file (truncated?)")
        }
        var entries: [Entry] = []
        var p = directoryOffset
        for i in 0..<count {
            guard p + 46 <= raw.count, u32(p) == 0x0201_4B50 else { throw bad("central directory entry \(i) is missing or corrupt") }
            let flags = UInt16(u16(p + 8))
            let method = UInt16(u16(p + 10))
            let crc = UInt32(u32(p + 16))
            var compressed = u32(p + 20)
            var size = u32(p + 24)
            let nameLength = u16(p + 28), extraLength = u16(p + 30), commentLength = u16(p + 32)
            var offset = u32(p + 42)
            guard p + 46 + nameLength + extraLength + commentLength <= raw.count else { throw bad("central directory entry \(i) runs past the end of the file") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: raw[(p + 46)..<(p + 46 + nameLength)]), as: UTF8.self)
            // Zip64 extra field (id 1): the 64-bit values, in this order, for fields saturated at 0xFFFFFFFF.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = u16(e), length = u16(e + 2)
                if id == 1 {
                    var q = e + 4
                    if size == 0xFFFF_FFFF, q + 8 <= extraEnd { size = u64(q); q += 8 }
                    if compressed == 0xFFFF_FFFF, q + 8 <= extraEnd { compressed = u64(q); q += 8 }
                    if offset == 0xFFFF_FFFF, q + 8 <= extraEnd { offset = u64(q); q += 8 }
                }
                e += 4 + length
            }
            if flags & 1 != 0 { throw bad("member \(name) is encrypted") }
            guard size >= 0, compressed >= 0 else { throw bad("member \(name) has an impossible size") }
            entries.append(Entry(name: name, method: method, compressedSize: compressed, size: size, crc32: crc, localHeaderOffset: offset, flags: flags))
            p += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }
}
