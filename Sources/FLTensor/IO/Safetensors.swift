import Foundation

/// Reads and writes the safetensors format (what PyTorch and the Hugging Face ecosystem read):
/// an 8-byte little-endian header length, a JSON header mapping names to dtype, shape and
/// byte offsets, then the raw little-endian data. We write F32; we read F32, F64, F16, BF16,
/// I64, I32 (converted to Float32).
public enum Safetensors {
    /// Writes tensors (in the given order) with optional string metadata.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata), to: path)
    }

    /// Encodes tensors to safetensors bytes.
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String] = [:]) -> Data {
        var entries: [String] = []
        var offset = 0
        if !metadata.isEmpty {
            let m = metadata.sorted { $0.key < $1.key }.map { "\(jsonQuote($0.key)):\(jsonQuote($0.value))" }
            entries.append("\"__metadata__\":{\(m.joined(separator: ","))}")
        }
        for (name, t) in tensors {
            let bytes = t.count * 4
            entries.append("\(jsonQuote(name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        var len = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &len) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for (_, t) in tensors {
            data.append(UnsafeBufferPointer(start: t.data, count: t.count))
        }
        return data
    }

    /// Reads every tensor of a file, in file order, and the metadata.
    public static func read(_ path: String) throws -> (tensors: [(String, Tensor)], metadata: [String: String]) {
        try decode(AtomicFile.read(path), path: path)
    }

    public static func decode(_ data: Data, path: String) throws -> (tensors: [(String, Tensor)], metadata: [String: String]) {
        func bad(_ m: String) -> FileFormatError {
            FileFormatError(path: path, "not a valid safetensors file: \(m)")
        }
        guard data.count >= 8 else { throw bad("expected at least 8 bytes of header length, found \(data.count) bytes") }
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian
        guard n > 0, n < 100_000_000, 8 + Int(n) <= data.count else {
            throw bad("header length \(n) does not fit a file of \(data.count) bytes")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(n)))
        guard let obj = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        let base = 8 + Int(n)
        let payload = data.count - base
        var metadata: [String: String] = [:]
        if let m = obj["__metadata__"] as? [String: Any] { for (k, v) in m { metadata[k] = "\(v)" } }
        var items: [(String, Int, Tensor)] = []
        for (name, value) in obj where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offs = info["data_offsets"] as? [Int], offs.count == 2 else {
                throw bad("entry \"\(name)\" lacks dtype, shape or data_offsets")
            }
            let width: Int
            switch dtype {
            case "F32", "I32": width = 4
            case "F64", "I64": width = 8
            case "F16", "BF16": width = 2
            case "U8", "I8", "BOOL": width = 1
            default: throw bad("entry \"\(name)\" has unsupported dtype \(dtype)")
            }
            let count = shape.reduce(1, *)
            guard shape.allSatisfy({ $0 >= 0 }), offs[0] >= 0, offs[1] >= offs[0], offs[1] <= payload else {
                throw bad("entry \"\(name)\" data [\(offs[0]), \(offs.count > 1 ? offs[1] : 0)) lies outside the \(payload) data bytes (file truncated?)")
            }
            guard offs[1] - offs[0] == count * width else {
                throw bad("entry \"\(name)\" is \(dtype) \(shapeString(shape)) = \(count * width) bytes, but its data span is \(offs[1] - offs[0]) bytes")
            }
            let t = Tensor.empty(shape)
            data.withUnsafeBytes { raw in
                let src = raw.baseAddress! + base + offs[0]
                let p = t.data
                for i in 0..<count {
                    let q = src + i * width
                    switch dtype {
                    case "F32": p[i] = Float(bitPattern: q.loadUnaligned(as: UInt32.self).littleEndian)
                    case "F64": p[i] = Float(Double(bitPattern: q.loadUnaligned(as: UInt64.self).littleEndian))
                    case "I64": p[i] = Float(Int64(littleEndian: q.loadUnaligned(as: Int64.self)))
                    case "I32": p[i] = Float(Int32(littleEndian: q.loadUnaligned(as: Int32.self)))
                    case "F16": p[i] = Float(Float16(bitPattern: q.loadUnaligned(as: UInt16.self).littleEndian))
                    case "BF16": p[i] = Float(bitPattern: UInt32(q.loadUnaligned(as: UInt16.self).littleEndian) << 16)
                    case "U8", "BOOL": p[i] = Float(q.load(as: UInt8.self))
                    default: p[i] = Float(q.load(as: Int8.self))
                    }
                }
            }
            items.append((name, offs[0], t))
        }
        items.sort { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        return (items.map { ($0.0, $0.2) }, metadata)
    }

}

extension Module {
    /// Saves parameters and buffers as safetensors (names as in PyTorch's state_dict).
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        try Safetensors.write(stateDict(), metadata: metadata, to: path)
    }

    /// Loads parameters and buffers from a safetensors file. Entries PyTorch keeps that we do
    /// not (num_batches_tracked) are ignored.
    public func load(from path: String, strict: Bool = true) throws {
        let (tensors, _) = try Safetensors.read(path)
        var dict: [String: Tensor] = [:]
        for (n, t) in tensors where !n.hasSuffix("num_batches_tracked") { dict[n] = t }
        do { try loadStateDict(dict, strict: strict) } catch let e as TensorError {
            throw FileFormatError(path: path, e.message)
        }
    }
}

/// `s` as a JSON string literal (quotes, backslashes and control characters escaped).
public func jsonQuote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
