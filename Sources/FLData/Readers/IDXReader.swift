import Foundation

/// Reads the IDX files of MNIST and Fashion-MNIST, raw or gzipped: a big-endian magic
/// (0x00000803 for images: unsigned bytes, 3 dimensions; 0x00000801 for labels), big-endian
/// dimensions, then the bytes. Pixels stay 8-bit with scale 1/255.
public enum IDXReader {
    /// The default advice when an IDX file is missing or broken.
    public static let defaultRemedy = "run `flnb data get mnist` or `flnb data get fashion-mnist`"

    /// Image bytes and their geometry from an `*-images-idx3-ubyte[.gz]` file.
    public static func readImages(_ path: String, remedy: String? = defaultRemedy) throws -> (count: Int, rows: Int, columns: Int, bytes: [UInt8]) {
        try DataFile.withContents(path, expected: "an IDX image file (magic 0x00000803)", remedy: remedy) { raw in
            try checkMagic(raw, expected: 0x0803, what: "image", path: path, remedy: remedy)
            guard raw.count >= 16 else {
                throw DataError(path: path, "expected a 16-byte IDX image header, found \(raw.count) bytes (truncated)", remedy: remedy)
            }
            let n = bigEndian(raw, 4), rows = bigEndian(raw, 8), columns = bigEndian(raw, 12)
            // Dimensions come from the file: multiply with overflow checks so garbage cannot trap.
            let (pixels, o1) = n.multipliedReportingOverflow(by: rows)
            let (total, o2) = pixels.multipliedReportingOverflow(by: columns)
            let expected = o1 || o2 || total > Int.max - 16 ? Int.max : 16 + total
            guard raw.count == expected else {
                throw DataError(path: path, "expected \(expected) bytes (\(n) images of \(rows)×\(columns) after a 16-byte header), found \(raw.count) bytes (\(raw.count < expected ? "truncated" : "extra data"))", remedy: remedy)
            }
            return (n, rows, columns, Array(UnsafeRawBufferPointer(rebasing: raw[16...])))
        }
    }

    /// Labels from an `*-labels-idx1-ubyte[.gz]` file.
    public static func readLabels(_ path: String, remedy: String? = defaultRemedy) throws -> [UInt8] {
        try DataFile.withContents(path, expected: "an IDX label file (magic 0x00000801)", remedy: remedy) { raw in
            try checkMagic(raw, expected: 0x0801, what: "label", path: path, remedy: remedy)
            guard raw.count >= 8 else {
                throw DataError(path: path, "expected an 8-byte IDX label header, found \(raw.count) bytes (truncated)", remedy: remedy)
            }
            let n = bigEndian(raw, 4)
            guard raw.count == 8 + n else {
                throw DataError(path: path, "expected \(8 + n) bytes (\(n) labels after an 8-byte header), found \(raw.count) bytes (\(raw.count < 8 + n ? "truncated" : "extra data"))", remedy: remedy)
            }
            return Array(UnsafeRawBufferPointer(rebasing: raw[8...]))
        }
    }

    /// An image set from a pair of IDX files (labels must be in 0..<classCount).
    public static func read(images imagesPath: String, labels labelsPath: String, name: String,
                            classCount: Int = 10, remedy: String? = defaultRemedy) throws -> ImageSet {
        let images = try readImages(imagesPath, remedy: remedy)
        let labels = try readLabels(labelsPath, remedy: remedy)
        guard labels.count == images.count else {
            throw DataError(path: labelsPath, "expected \(images.count) labels to match the \(images.count) images of \(imagesPath), found \(labels.count)", remedy: remedy)
        }
        if let bad = labels.firstIndex(where: { Int($0) >= classCount }) {
            throw DataError(path: labelsPath, "expected labels 0–\(classCount - 1), found \(labels[bad]) at position \(bad)", remedy: remedy)
        }
        return try ImageSet(name: name, channels: 1, height: images.rows, width: images.columns, bytes: images.bytes,
                            scale: 1 / 255, labels: labels.map(Int.init), classCount: classCount)
    }

    private static func checkMagic(_ raw: UnsafeRawBufferPointer, expected: Int, what: String, path: String, remedy: String?) throws {
        guard raw.count >= 4 else {
            throw DataError(path: path, "expected an IDX \(what) file (4-byte magic 0x\(hex(expected))), found only \(raw.count) bytes", remedy: remedy)
        }
        let magic = bigEndian(raw, 0)
        guard magic == expected else {
            var found = "0x\(hex(magic))"
            if magic == 0x0801 { found += " (an IDX label file)" } else if magic == 0x0803 { found += " (an IDX image file)" }
            throw DataError(path: path, "expected the IDX \(what) magic 0x\(hex(expected)), found \(found)", remedy: remedy)
        }
    }

    private static func hex(_ v: Int) -> String { String(format: "%08x", v) }

    private static func bigEndian(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> Int {
        Int(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }
}
