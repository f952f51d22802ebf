import Foundation

/// A minimal reader of (ustar / GNU) tar archives, enough to unpack the official CIFAR
/// `.tar.gz` downloads without shelling out: regular files and GNU long names.
public enum TarArchive {
    /// A regular file inside an archive: its path and where its bytes lie.
    public struct Member: Sendable, Equatable {
        public let name: String
        public let range: Range<Int>
    }

    /// Lists the regular files of an uncompressed tar archive.
    public static func members(_ raw: UnsafeRawBufferPointer, path: String) throws -> [Member] {
        func bad(_ m: String) -> DataError { DataError(path: path, "not a valid tar archive: \(m)") }
        func field(_ at: Int, _ length: Int) -> String {
            let bytes = raw[at..<(at + length)].prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        var members: [Member] = []
        var offset = 0
        var longName: String?
        while offset + 512 <= raw.count {
            if raw[offset..<(offset + 512)].allSatisfy({ $0 == 0 }) { break }  // end-of-archive blocks
            let sizeText = field(offset + 124, 12).trimmingCharacters(in: .whitespaces)
            guard let size = Int(sizeText.isEmpty ? "0" : sizeText, radix: 8), size >= 0 else {
                throw bad("header at offset \(offset) has an unreadable size field '\(sizeText)'")
            }
            let type = raw[offset + 156]
            var name = field(offset, 100)
            let prefix = field(offset + 345, 155)
            if field(offset + 257, 5) == "ustar" && !prefix.isEmpty { name = prefix + "/" + name }
            let start = offset + 512
            guard start + size <= raw.count else {
                throw bad("member \(name) needs \(size) bytes at offset \(start), the archive has \(raw.count - start) (truncated?)")
            }
            switch type {
            case UInt8(ascii: "L"):  // GNU long name: the next header's name is this member's data
                longName = String(decoding: raw[start..<(start + size)].prefix { $0 != 0 }, as: UTF8.self)
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                members.append(Member(name: longName ?? name, range: start..<(start + size)))
                longName = nil
            default:
                longName = nil  // folders, links, pax headers: nothing to extract
            }
            offset = start + (size + 511) / 512 * 512
        }
        return members
    }
}
