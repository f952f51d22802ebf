import Foundation

/// Reads image sets stored as CSV (optionally gzipped), one image per line: the pixels of a
/// C×H×W image in C order, then the label in the last column; no header. Used for the two small
/// digit sets shipped in data/ (`digits.csv.gz`, `mnist_5k.csv.gz`). Pixels must be whole
/// numbers in 0…maxValue and are kept as bytes with scale 1/maxValue.
public enum CSVImageReader {
    /// Reads and checks every row.
    /// - Parameters:
    ///   - maxValue: the largest pixel value (16 for the UCI digits, 255 for MNIST).
    ///   - expectedRows: when given, a different number of rows is an error (a cut-off file).
    public static func read(_ path: String, name: String, channels: Int = 1, height: Int, width: Int,
                            maxValue: Int, classCount: Int, expectedRows: Int? = nil,
                            remedy: String? = nil) throws -> ImageSet {
        precondition(maxValue > 0 && maxValue <= 255, "CSV pixels are kept as bytes")
        let pixelsPerRow = channels * height * width
        let fieldsPerRow = pixelsPerRow + 1
        var bytes: [UInt8] = []
        var labels: [Int] = []
        try DataFile.withContents(path, expected: "a CSV file of \(pixelsPerRow) pixels then a label per line", remedy: remedy) { raw in
            bytes.reserveCapacity(raw.count / 2)
            func fail(_ line: Int, _ message: String) -> DataError {
                DataError(path: path, "line \(line): \(message)", remedy: remedy)
            }
            var p = 0
            var line = 0
            let end = raw.count
            while p < end {
                line += 1
                var lineEnd = p
                while lineEnd < end && raw[lineEnd] != 0x0A { lineEnd += 1 }
                var content = lineEnd
                if content > p && raw[content - 1] == 0x0D { content -= 1 }  // CRLF files
                if (p..<content).allSatisfy({ raw[$0] == 0x20 || raw[$0] == 0x09 }) { p = lineEnd + 1; continue }
                var field = 0
                var q = p
                while q <= content {
                    var fieldEnd = q
                    while fieldEnd < content && raw[fieldEnd] != 0x2C { fieldEnd += 1 }
                    field += 1
                    if field > fieldsPerRow {
                        throw fail(line, "expected \(fieldsPerRow) comma-separated values (\(pixelsPerRow) pixels then the label), found more")
                    }
                    let isLabel = field == fieldsPerRow
                    let limit = isLabel ? classCount - 1 : maxValue
                    guard let value = wholeNumber(raw, q, fieldEnd), value >= 0, value <= limit else {
                        let text = String(decoding: UnsafeRawBufferPointer(rebasing: raw[q..<fieldEnd]), as: UTF8.self)
                        let what = isLabel ? "a label 0–\(limit)" : "a whole pixel value 0–\(limit)"
                        throw fail(line, "column \(field): expected \(what), found '\(text)'\(line == 1 && !isLabel ? " (the file must not have a header line)" : "")")
                    }
                    if isLabel { labels.append(value) } else { bytes.append(UInt8(value)) }
                    q = fieldEnd + 1
                }
                if field != fieldsPerRow {
                    throw fail(line, "expected \(fieldsPerRow) comma-separated values (\(pixelsPerRow) pixels then the label), found \(field)")
                }
                p = lineEnd + 1
            }
        }
        if let expectedRows, labels.count != expectedRows {
            throw DataError(path: path, "expected \(expectedRows) rows, found \(labels.count) (file cut short or not the original)", remedy: remedy)
        }
        guard !labels.isEmpty else { throw DataError(path: path, "expected rows of \(fieldsPerRow) values, found an empty file", remedy: remedy) }
        return try ImageSet(name: name, channels: channels, height: height, width: width, bytes: bytes,
                            scale: 1 / Float(maxValue), labels: labels, classCount: classCount)
    }

    /// Parses a field that is a whole number: digits, or a float spelling of one ("16.0", "1.6e+01");
    /// nil for anything else. Surrounding spaces are allowed.
    @inline(__always)
    private static func wholeNumber(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int? {
        var a = start, b = end
        while a < b && raw[a] == 0x20 { a += 1 }
        while b > a && raw[b - 1] == 0x20 { b -= 1 }
        guard a < b else { return nil }
        var value = 0
        var i = a
        while i < b, raw[i] >= 0x30, raw[i] <= 0x39, value < 1_000_000 {
            value = value * 10 + Int(raw[i] - 0x30)
            i += 1
        }
        if i == b { return value }
        // Slow path for float spellings: only whole values are accepted.
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: raw[a..<b]), as: UTF8.self)
        guard let d = Double(text), d.isFinite, d == d.rounded(), abs(d) < 1_000_000 else { return nil }
        return Int(d)
    }
}
