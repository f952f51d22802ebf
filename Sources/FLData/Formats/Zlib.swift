import Foundation
@preconcurrency import CZlib

/// zlib through its C API: gzip files (`.gz`), raw deflate streams (zip members) and CRC-32.
/// Data is decompressed in memory, never by shelling out to `gzip`.
public enum Zlib {
    /// Why a stream could not be decompressed; callers add the file name.
    struct Failure: Error { let message: String }

    /// Whether the bytes start with the gzip magic 1f 8b.
    public static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses a whole gzip file (all members, as `gzip -d` does).
    /// - Parameters:
    ///   - input: the `.gz` bytes.
    ///   - path: the file, named in errors.
    public static func gunzip(_ input: UnsafeRawBufferPointer, path: String) throws -> [UInt8] {
        // The trailer's ISIZE is the size modulo 2^32: a good first guess that a corrupt file
        // cannot turn into a huge allocation (deflate never expands more than ~1032×).
        var hint = input.count * 4
        if input.count >= 18 {
            let isize = Int(input.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self).littleEndian)
            hint = min(isize, input.count * 1032 + 1024)
        }
        do {
            return try inflate(input, windowBits: 16 + MAX_WBITS, sizeHint: hint, multiMember: true)
        } catch let failure as Failure {
            throw DataError(path: path, "not a readable gzip file: \(failure.message)")
        }
    }

    /// Inflates a raw deflate stream (a zip member) of known decompressed size.
    static func inflateRaw(_ input: UnsafeRawBufferPointer, expectedSize: Int) throws -> [UInt8] {
        try inflate(input, windowBits: -MAX_WBITS, sizeHint: expectedSize, multiMember: false)
    }

    /// The shared inflate loop. It always makes progress or stops: truncated input shows up as
    /// Z_BUF_ERROR with no input left, corrupt input as Z_DATA_ERROR.
    private static func inflate(_ input: UnsafeRawBufferPointer, windowBits: Int32, sizeHint: Int, multiMember: Bool) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(message: "zlib could not start (inflateInit2 failed)")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: max(sizeHint, 64))
        var produced = 0
        var consumed = 0
        let base = input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: UInt8.self)) }
        while true {
            if stream.avail_in == 0 && consumed < input.count {
                let chunk = min(input.count - consumed, Int(UInt32.max))
                stream.next_in = base! + consumed
                stream.avail_in = UInt32(chunk)
                consumed += chunk
            }
            if produced == output.count {
                output += [UInt8](repeating: 0, count: max(output.count, 1 << 16))
            }
            let room = min(output.count - produced, Int(UInt32.max))
            let status: Int32 = output.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress! + produced
                stream.avail_out = UInt32(room)
                let s = CZlib.inflate(&stream, Z_NO_FLUSH)
                produced += room - Int(stream.avail_out)
                return s
            }
            switch status {
            case Z_STREAM_END:
                let remaining = Int(stream.avail_in) + (input.count - consumed)
                let next = input.count - remaining
                // Concatenated gzip members decompress to the concatenation; anything else after
                // the end of the stream is ignored, as gzip does with trailing garbage.
                if multiMember && remaining >= 2 && input[next] == 0x1F && input[next + 1] == 0x8B {
                    inflateReset(&stream)
                    continue
                }
                output.removeSubrange(produced...)
                return output
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                if stream.avail_in == 0 && consumed == input.count {
                    throw Failure(message: "the compressed data ends early (truncated after \(input.count) bytes, \(produced) bytes decompressed)")
                }
                continue  // output was full; the loop grows it
            default:
                let why = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw Failure(message: "corrupt compressed data (\(why)) after \(produced) decompressed bytes")
            }
        }
    }

    /// Compresses bytes as gzip (`gzip: true`) or as a raw deflate stream (for zip members).
    public static func compress(_ input: [UInt8], gzip: Bool, level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        let bits: Int32 = gzip ? 16 + MAX_WBITS : -MAX_WBITS
        let ok = deflateInit2_(&stream, level, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(ok == Z_OK, "deflateInit2 failed")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        var source = input
        let written: Int = source.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = src.baseAddress
                stream.avail_in = UInt32(src.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate did not finish with a deflateBound-sized buffer")
                return out.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(written...)
        return output
    }

    /// CRC-32 (the checksum of zip and gzip).
    public static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        var crc: UInt = 0
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, 1 << 30)
            crc = CZlib.crc32(crc, base.assumingMemoryBound(to: UInt8.self) + offset, UInt32(chunk))
            offset += chunk
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
