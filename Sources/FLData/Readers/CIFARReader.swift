import Foundation

/// Reads the binary versions of CIFAR-10 and CIFAR-100.
///
/// CIFAR-10 (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`): records of 1 label byte
/// then 3072 pixel bytes. CIFAR-100 (`train.bin`, `test.bin`): a coarse label byte, a fine label
/// byte, then 3072 pixel bytes. The pixels are the red 32×32 plane, then green, then blue, rows
/// top to bottom — already C×H×W, so records are copied as they are (scale 1/255).
public enum CIFARReader {
    /// Which CIFAR-100 label to use.
    public enum CIFAR100Labels: Sendable {
        /// The 100 fine classes (the usual benchmark).
        case fine
        /// The 20 superclasses.
        case coarse
    }

    static let pixelBytes = 3 * 32 * 32

    /// CIFAR-10 images from one or more batch files, concatenated in the order given.
    public static func readCIFAR10(_ paths: [String], name: String, remedy: String? = "run `flnb data get cifar10`") throws -> ImageSet {
        try read(paths, name: name, labelLimits: [10], labelIndex: 0, dataset: "CIFAR-10", remedy: remedy)
    }

    /// CIFAR-100 images from `train.bin` or `test.bin`.
    public static func readCIFAR100(_ path: String, name: String, labels: CIFAR100Labels = .fine,
                                    remedy: String? = "run `flnb data get cifar100`") throws -> ImageSet {
        try read([path], name: name, labelLimits: [20, 100], labelIndex: labels == .fine ? 1 : 0,
                 dataset: "CIFAR-100", remedy: remedy)
    }

    /// - Parameters:
    ///   - labelLimits: for each label byte at the start of a record, the number of classes it codes.
    ///   - labelIndex: which label byte becomes the image's label.
    private static func read(_ paths: [String], name: String, labelLimits: [Int], labelIndex: Int,
                             dataset: String, remedy: String?) throws -> ImageSet {
        let labelBytes = labelLimits.count
        let classCount = labelLimits[labelIndex]
        let recordSize = labelBytes + pixelBytes
        var bytes: [UInt8] = []
        var labels: [Int] = []
        for path in paths {
            try DataFile.withContents(path, expected: "a \(dataset) binary batch file", remedy: remedy) { raw in
                guard raw.count > 0, raw.count % recordSize == 0 else {
                    let layout = labelBytes == 1 ? "1 label byte + 3072 pixel bytes" : "coarse and fine label bytes + 3072 pixel bytes"
                    var found = "\(raw.count) bytes (\(raw.count / recordSize) whole records and \(raw.count % recordSize) bytes left over)"
                    let otherRecordSize = labelBytes == 1 ? 3074 : 3073  // the other CIFAR's record
                    if raw.count > 0 && raw.count % otherRecordSize == 0 {
                        found += "; the size fits \(labelBytes == 1 ? "CIFAR-100" : "CIFAR-10") records — wrong dataset?"
                    }
                    throw DataError(path: path, "expected a positive multiple of \(recordSize) bytes (\(dataset) records of \(layout)), found \(found)", remedy: remedy)
                }
                let records = raw.count / recordSize
                let start = bytes.count
                bytes += [UInt8](repeating: 0, count: records * pixelBytes)
                labels.reserveCapacity(labels.count + records)
                try bytes.withUnsafeMutableBufferPointer { out in
                    for r in 0..<records {
                        let record = r * recordSize
                        for (b, limit) in labelLimits.enumerated() {
                            guard Int(raw[record + b]) < limit else {
                                throw DataError(path: path, "record \(r): expected a \(dataset) label byte 0–\(limit - 1), found \(raw[record + b]) (wrong dataset or corrupt file)", remedy: remedy)
                            }
                        }
                        labels.append(Int(raw[record + labelIndex]))
                        UnsafeMutableRawPointer(out.baseAddress! + start + r * pixelBytes)
                            .copyMemory(from: raw.baseAddress! + record + labelBytes, byteCount: pixelBytes)
                    }
                }
            }
        }
        return try ImageSet(name: name, channels: 3, height: 32, width: 32, bytes: bytes, scale: 1 / 255,
                            labels: labels, classCount: classCount)
    }
}
