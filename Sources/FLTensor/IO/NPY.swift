import Foundation

/// The element types flnb reads and writes in `.npy` files, named by their NumPy `descr`.
public enum NPYDType: String, Sendable, CaseIterable, Equatable {
    case float32 = "<f4"
    case float64 = "<f8"
    case uint8 = "|u1"
    case int64 = "<i8"
    case int32 = "<i4"
    case int16 = "<i2"
    case bool = "|b1"

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .int16: return 2
        case .uint8, .bool: return 1
        }
    }

    /// Parses a NumPy `descr` such as `<f4`, `|u1` or `=i8`. Byte order `=` means native, which is
    /// little-endian on every platform flnb runs on; big-endian (`>`) arrays are refused with a hint.
    static func parse(_ descr: String) -> NPYDType? {
        guard descr.count >= 3, let order = descr.first, "<>|=".contains(order) else { return nil }
        let code = String(descr.dropFirst())
        let match = NPYDType.allCases.first { String($0.rawValue.dropFirst()) == code }
        guard let match else { return nil }
        if order == ">" && match.byteWidth > 1 { return nil }
        return match
    }
}

/// One NumPy array as stored in a `.npy` file: element type, shape (C order) and the raw
/// little-endian element bytes. Keeping the bytes as they are lets 8-bit images stay 8-bit.
public struct NPYArray: Sendable, Equatable {
    /// Element type.
    public let dtype: NPYDType
    /// Dimensions, outermost first; `[]` is a scalar.
    public let shape: [Int]
    /// The elements, little-endian, C order; exactly `count * dtype.byteWidth` bytes.
    public let bytes: [UInt8]

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// An array over existing bytes; their number must match the dtype and shape.
    public init(dtype: NPYDType, shape: [Int], bytes: [UInt8]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw TensorError("npy: negative dimension in \(shapeString(shape))") }
        let expected = shape.reduce(1, *) * dtype.byteWidth
        guard bytes.count == expected else {
            throw TensorError("npy: \(dtype.rawValue) \(shapeString(shape)) needs \(expected) bytes, got \(bytes.count)")
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Builds from typed values; `T`'s in-memory layout must be the dtype's little-endian one.
    private init<T>(values: [T], dtype: NPYDType, shape: [Int]) {
        precondition(MemoryLayout<T>.size == dtype.byteWidth, "value type does not match \(dtype)")
        precondition(shape.reduce(1, *) == values.count, "npy: \(values.count) values for shape \(shape)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = values.withUnsafeBytes { Array($0) }
    }

    /// A float32 array.
    public init(float32 values: [Float], shape: [Int]) { self.init(values: values, dtype: .float32, shape: shape) }
    /// A float64 array.
    public init(float64 values: [Double], shape: [Int]) { self.init(values: values, dtype: .float64, shape: shape) }
    /// A uint8 array.
    public init(uint8 values: [UInt8], shape: [Int]) { self.init(values: values, dtype: .uint8, shape: shape) }
    /// An int64 array.
    public init(int64 values: [Int], shape: [Int]) { self.init(values: values.map { Int64($0) }, dtype: .int64, shape: shape) }
    /// An int32 array.
    public init(int32 values: [Int32], shape: [Int]) { self.init(values: values, dtype: .int32, shape: shape) }
    /// An int16 array.
    public init(int16 values: [Int16], shape: [Int]) { self.init(values: values, dtype: .int16, shape: shape) }
    /// A bool array.
    public init(bool values: [Bool], shape: [Int]) { self.init(values: values.map { $0 ? UInt8(1) : 0 }, dtype: .bool, shape: shape) }

    /// A float32 array holding a tensor's values and shape.
    public init(_ tensor: Tensor) {
        self.init(float32: tensor.toArray(), shape: tensor.shape)
    }

    /// Calls `body` with element `i` as a Double, for every element (slow path for conversions).
    @inline(__always)
    private func element(_ raw: UnsafeRawBufferPointer, _ i: Int) -> Double {
        switch dtype {
        case .float32: return Double(raw.loadUnaligned(fromByteOffset: i * 4, as: Float.self))
        case .float64: return raw.loadUnaligned(fromByteOffset: i * 8, as: Double.self)
        case .uint8, .bool: return Double(raw[i])
        case .int64: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
        case .int32: return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
        case .int16: return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)))
        }
    }

    /// The elements converted to Float (any dtype).
    public func floats() -> [Float] {
        let n = count
        return bytes.withUnsafeBytes { raw in
            if dtype == .float32 {
                return [Float](unsafeUninitializedCapacity: n) { buf, done in
                    if n > 0 { UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: raw.baseAddress!, byteCount: n * 4) }
                    done = n
                }
            }
            if dtype == .uint8 || dtype == .bool { return raw.map { Float($0) } }
            return (0..<n).map { Float(element(raw, $0)) }
        }
    }

    /// The elements as integers: exact for integer dtypes, and for float dtypes only when every
    /// value is a whole number (label arrays are sometimes saved as float); nil otherwise.
    public func integers() -> [Int]? {
        let n = count
        return bytes.withUnsafeBytes { raw -> [Int]? in
            switch dtype {
            case .int64:
                return (0..<n).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
            case .uint8, .bool, .int32, .int16:
                return (0..<n).map { Int(element(raw, $0)) }
            case .float32, .float64:
                var out = [Int]()
                out.reserveCapacity(n)
                for i in 0..<n {
                    let v = element(raw, i)
                    guard v.isFinite, v == v.rounded(), abs(v) < 9e15 else { return nil }
                    out.append(Int(v))
                }
                return out
            }
        }
    }

    /// A Float32 tensor with the array's shape and values.
    public func tensor() -> Tensor {
        let t = Tensor.empty(shape)
        let values = floats()
        values.withUnsafeBufferPointer { if $0.count > 0 { t.data.update(from: $0.baseAddress!, count: $0.count) } }
        return t
    }
}

/// Reads and writes NumPy `.npy` files (format versions 1.0, 2.0 and 3.0; C order only).
///
/// A file is the magic `\x93NUMPY`, a version, a little-endian header length (2 bytes in 1.0,
/// 4 in 2.0/3.0), a Python-literal header `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`
/// padded with spaces and a newline to a multiple of 64 bytes, then the raw elements.
public enum NPY {
    /// Reads a `.npy` file.
    public static func read(_ path: String) throws -> NPYArray {
        try decode(AtomicFile.read(path), path: path)
    }

    /// Reads a `.npy` file as a Float32 tensor.
    public static func readTensor(_ path: String) throws -> Tensor {
        try read(path).tensor()
    }

    /// Writes an array as a version 1.0 `.npy` file (atomically).
    public static func write(_ array: NPYArray, to path: String) throws {
        try AtomicFile.write(Data(encode(array)), to: path)
    }

    /// Writes a tensor as a float32 `.npy` file.
    public static func write(_ tensor: Tensor, to path: String) throws {
        try write(NPYArray(tensor), to: path)
    }

    /// Decodes `.npy` bytes; `path` names the source in errors (a file, or `archive.npz:member`).
    public static func decode(_ data: Data, path: String) throws -> NPYArray {
        try data.withUnsafeBytes { try decode(raw: $0, path: path) }
    }

    /// Decodes `.npy` bytes held in an array.
    public static func decode(_ bytes: [UInt8], path: String) throws -> NPYArray {
        try bytes.withUnsafeBytes { try decode(raw: $0, path: path) }
    }

    /// Decodes `.npy` bytes from raw memory.
    public static func decode(raw: UnsafeRawBufferPointer, path: String) throws -> NPYArray {
        func bad(_ message: String) -> FileFormatError { FileFormatError(path: path, "not a valid .npy file: \(message)") }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard raw.count >= 10 else { throw bad("expected at least 10 bytes (magic, version, header length), found \(raw.count)") }
        guard Array(raw[0..<6]) == magic else {
            let found = raw[0..<6].map { String(format: "%02x", $0) }.joined(separator: " ")
            throw bad("expected the magic bytes 93 4e 55 4d 50 59 (\\x93NUMPY), found \(found)")
        }
        let major = raw[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(raw[8]) | Int(raw[9]) << 8
            headerStart = 10
        case 2, 3:
            guard raw.count >= 12 else { throw bad("expected a 4-byte header length, found a file of \(raw.count) bytes") }
            headerLength = Int(raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian)
            headerStart = 12
        default:
            throw bad("expected format version 1, 2 or 3, found version \(major).\(raw[7])")
        }
        guard headerStart + headerLength <= raw.count else {
            throw bad("the header claims \(headerLength) bytes but only \(raw.count - headerStart) follow (file truncated?)")
        }
        guard let header = String(bytes: raw[headerStart..<(headerStart + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw bad("the header is not text")
        }
        let fields: NPYHeader
        do { fields = try NPYHeader.parse(header) } catch let e as NPYHeader.ParseError {
            throw bad("cannot parse the header \(header.trimmingCharacters(in: .whitespacesAndNewlines)): \(e.message)")
        }
        guard let dtype = NPYDType.parse(fields.descr) else {
            let supported = NPYDType.allCases.map(\.rawValue).joined(separator: " ")
            throw bad("unsupported dtype '\(fields.descr)'; supported: \(supported) (convert with a.astype('<f4'))")
        }
        if fields.fortranOrder && fields.shape.count > 1 {
            throw bad("the array is stored in Fortran order (fortran_order: True); only C order is supported — save np.ascontiguousarray(a) instead")
        }
        let count = fields.shape.reduce(1, *)
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteWidth)
        let payload = raw.count - headerStart - headerLength
        guard !overflow, byteCount <= payload else {
            throw bad("expected \(overflow ? "more than Int.max" : String(byteCount)) bytes of \(dtype.rawValue) data for shape \(shapeString(fields.shape)), found \(payload) (file truncated?)")
        }
        // Trailing bytes past the array are ignored, as numpy.load does.
        let start = headerStart + headerLength
        let bytes = Array(UnsafeRawBufferPointer(rebasing: raw[start..<(start + byteCount)]))
        return try NPYArray(dtype: dtype, shape: fields.shape, bytes: bytes)
    }

    /// Encodes an array as version 1.0 `.npy` bytes (version 2.0 when the header would not fit).
    public static func encode(_ array: NPYArray) -> [UInt8] {
        let shapeText: String
        switch array.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(array.shape[0]),)"
        default: shapeText = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = Array("{'descr': '\(array.dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
        let version2 = header.count + 1 + 10 > 65_535
        let prefix = version2 ? 12 : 10
        // Pad with spaces so the data starts on a 64-byte boundary, ending the header with '\n'.
        let total = (prefix + header.count + 1 + 63) / 64 * 64
        header += [UInt8](repeating: 0x20, count: total - prefix - header.count - 1)
        header.append(0x0A)
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version2 ? 2 : 1, 0]
        out.reserveCapacity(total + array.bytes.count)
        if version2 {
            let n = UInt32(header.count)
            out += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
        } else {
            out += [UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
        }
        out += header
        out += array.bytes
        return out
    }
}

/// The three fields of a `.npy` header, parsed from its Python dict literal.
struct NPYHeader {
    var descr = ""
    var fortranOrder = false
    var shape: [Int] = []

    struct ParseError: Error { let message: String }

    /// A recursive-descent parser for the small subset of Python literals numpy writes:
    /// a dict of string keys to strings, True/False, and tuples of integers.
    static func parse(_ text: String) throws -> NPYHeader {
        var chars = Array(text.utf8)[...]
        func skipSpace() { while let c = chars.first, c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D { chars.removeFirst() } }
        func expect(_ c: UInt8) throws {
            skipSpace()
            guard chars.first == c else { throw ParseError(message: "expected '\(Character(UnicodeScalar(c)))'") }
            chars.removeFirst()
        }
        func string() throws -> String {
            skipSpace()
            guard let q = chars.first, q == 0x27 || q == 0x22 else { throw ParseError(message: "expected a quoted string") }
            chars.removeFirst()
            guard let end = chars.firstIndex(of: q) else { throw ParseError(message: "unterminated string") }
            let s = String(decoding: chars[chars.startIndex..<end], as: UTF8.self)
            chars = chars[(end + 1)...]
            return s
        }
        func word() -> String {
            skipSpace()
            var w: [UInt8] = []
            while let c = chars.first, (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) {
                w.append(c); chars.removeFirst()
            }
            return String(decoding: w, as: UTF8.self)
        }
        var header = NPYHeader()
        var seen = Set<String>()
        try expect(0x7B)  // {
        while true {
            skipSpace()
            if chars.first == 0x7D { chars.removeFirst(); break }  // }
            let key = try string()
            try expect(0x3A)  // :
            switch key {
            case "descr":
                skipSpace()
                if chars.first == 0x5B { throw ParseError(message: "structured dtypes (a list descr) are not supported") }
                header.descr = try string()
            case "fortran_order":
                switch word() {
                case "True": header.fortranOrder = true
                case "False": header.fortranOrder = false
                case let w: throw ParseError(message: "fortran_order must be True or False, found '\(w)'")
                }
            case "shape":
                try expect(0x28)  // (
                var dims: [Int] = []
                while true {
                    skipSpace()
                    if chars.first == 0x29 { chars.removeFirst(); break }  // )
                    var w = word()
                    if w.hasSuffix("L") { w.removeLast() }  // Python 2 long literals
                    guard let d = Int(w), d >= 0 else { throw ParseError(message: "shape entries must be non-negative integers, found '\(w)'") }
                    dims.append(d)
                    skipSpace()
                    if chars.first == 0x2C { chars.removeFirst() }  // ,
                }
                header.shape = dims
            default:
                throw ParseError(message: "unexpected key '\(key)'")
            }
            seen.insert(key)
            skipSpace()
            if chars.first == 0x2C { chars.removeFirst() }
        }
        for key in ["descr", "fortran_order", "shape"] where !seen.contains(key) {
            throw ParseError(message: "missing key '\(key)'")
        }
        return header
    }
}
