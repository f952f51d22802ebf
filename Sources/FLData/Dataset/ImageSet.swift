import FLTensor

/// Labelled images held in memory, N×C×H×W in C order.
///
/// 8-bit sources keep their bytes with a scale (1/255, or 1/16 for the digits) so that full
/// CIFAR-10 takes ~150 MB rather than 600 MB as floats; float sources keep floats. The value
/// of a pixel is `byte × scale` or the float itself; normalization happens in the loader.
public struct ImageSet: Sendable {
    /// The pixel storage.
    public enum Pixels: Sendable {
        /// Bytes and the factor that maps them to pixel values (1/255 for 0–255 data).
        case uint8([UInt8], scale: Float)
        /// Pixel values as floats.
        case float32([Float])
    }

    /// A name for messages ("mnist train").
    public var name: String
    public let channels: Int
    public let height: Int
    public let width: Int
    /// N×C×H×W pixels.
    public let pixels: Pixels
    /// One label per image, in 0..<classCount.
    public let labels: [Int]
    /// Number of classes the dataset defines (a subset may miss some).
    public let classCount: Int

    /// Images from bytes.
    /// - Parameters:
    ///   - bytes: N×C×H×W pixel bytes.
    ///   - scale: factor mapping a byte to its pixel value (1/255 for 0–255 data).
    ///   - classCount: classes the dataset defines; nil means the largest label + 1.
    public init(name: String, channels: Int, height: Int, width: Int, bytes: [UInt8], scale: Float,
                labels: [Int], classCount: Int? = nil) throws {
        try ImageSet.check(name, channels, height, width, bytes.count, labels, classCount)
        self.init(unchecked: name, channels, height, width, .uint8(bytes, scale: scale), labels, classCount)
    }

    /// Images from float pixel values (N×C×H×W).
    public init(name: String, channels: Int, height: Int, width: Int, floats: [Float],
                labels: [Int], classCount: Int? = nil) throws {
        try ImageSet.check(name, channels, height, width, floats.count, labels, classCount)
        self.init(unchecked: name, channels, height, width, .float32(floats), labels, classCount)
    }

    private init(unchecked name: String, _ c: Int, _ h: Int, _ w: Int, _ pixels: Pixels, _ labels: [Int], _ classCount: Int?) {
        self.name = name
        channels = c
        height = h
        width = w
        self.pixels = pixels
        self.labels = labels
        self.classCount = classCount ?? ((labels.max() ?? -1) + 1)
    }

    private static func check(_ name: String, _ c: Int, _ h: Int, _ w: Int, _ pixelCount: Int, _ labels: [Int], _ classCount: Int?) throws {
        guard c > 0, h > 0, w > 0 else { throw DataError(path: nil, "\(name): image shape \(c)×\(h)×\(w) must be positive") }
        guard pixelCount == labels.count * c * h * w else {
            throw DataError(path: nil, "\(name): \(labels.count) labels need \(labels.count * c * h * w) pixels of \(c)×\(h)×\(w), found \(pixelCount)")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 }) {
            throw DataError(path: nil, "\(name): label \(labels[bad]) of image \(bad) is negative; labels must be 0, 1, 2, …")
        }
        if let classCount, let bad = labels.firstIndex(where: { $0 >= classCount }) {
            throw DataError(path: nil, "\(name): label \(labels[bad]) of image \(bad) is outside 0..<\(classCount)")
        }
    }

    /// Number of images.
    public var count: Int { labels.count }
    /// Values per image (C·H·W).
    public var imageSize: Int { channels * height * width }
    /// "3×32×32".
    public var shapeDescription: String { "\(channels)×\(height)×\(width)" }
    /// Bytes the pixels take in memory.
    public var pixelBytes: Int {
        switch pixels {
        case .uint8(let b, _): return b.count
        case .float32(let f): return f.count * 4
        }
    }

    /// The value of one pixel (byte × scale, or the float).
    public func pixel(_ image: Int, channel: Int, y: Int, x: Int) -> Float {
        let i = ((image * channels + channel) * height + y) * width + x
        switch pixels {
        case .uint8(let b, let scale): return Float(b[i]) * scale
        case .float32(let f): return f[i]
        }
    }

    /// One image's pixel values, C×H×W.
    public func image(_ index: Int) -> [Float] {
        let n = imageSize, start = index * n
        switch pixels {
        case .uint8(let b, let scale): return b[start..<(start + n)].map { Float($0) * scale }
        case .float32(let f): return Array(f[start..<(start + n)])
        }
    }

    /// Throws unless every index lies in 0..<count: the check for indices a user typed, before
    /// they reach `ImageTransform.gather` (which only asserts, being on the hot path).
    public func checkIndices(_ indices: [Int]) throws {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw DataError(path: nil, "\(name): image index \(bad) is outside 0..<\(count)")
        }
    }

    /// Images per class, indexed by label.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[label] += 1 }
        return counts
    }

    /// The images at `indices`, in that order, as a new set.
    public func subset(_ indices: [Int], name: String? = nil) -> ImageSet {
        let n = imageSize
        let newLabels = indices.map { labels[$0] }
        let newPixels: Pixels
        switch pixels {
        case .uint8(let b, let scale):
            var out = [UInt8](repeating: 0, count: indices.count * n)
            b.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() { (dst.baseAddress! + k * n).update(from: src.baseAddress! + i * n, count: n) }
            } }
            newPixels = .uint8(out, scale: scale)
        case .float32(let f):
            var out = [Float](repeating: 0, count: indices.count * n)
            f.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() { (dst.baseAddress! + k * n).update(from: src.baseAddress! + i * n, count: n) }
            } }
            newPixels = .float32(out)
        }
        return ImageSet(unchecked: name ?? self.name, channels, height, width, newPixels, newLabels, classCount)
    }

    /// The same images with every label `l` replaced by `mapping[l]` (used to put classes in task order).
    public func relabelled(_ mapping: [Int], classCount newClassCount: Int? = nil) -> ImageSet {
        precondition(mapping.count >= classCount, "relabelling needs a new label for each of the \(classCount) classes")
        return ImageSet(unchecked: name, channels, height, width, pixels, labels.map { mapping[$0] }, newClassCount ?? classCount)
    }

    /// Sets of the same image shape, one after the other (pixels stay 8-bit only if all are
    /// 8-bit with the same scale).
    public static func concatenate(_ sets: [ImageSet], name: String) throws -> ImageSet {
        guard let first = sets.first else { throw DataError(path: nil, "\(name): nothing to concatenate") }
        for s in sets where (s.channels, s.height, s.width) != (first.channels, first.height, first.width) {
            throw DataError(path: nil, "\(name): cannot join images of \(first.shapeDescription) and \(s.shapeDescription)")
        }
        let labels = sets.flatMap(\.labels)
        let classes = sets.map(\.classCount).max() ?? 0
        if case .uint8(_, let scale) = first.pixels, sets.allSatisfy({ if case .uint8(_, let s) = $0.pixels { return s == scale }; return false }) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(labels.count * first.imageSize)
            for s in sets { if case .uint8(let b, _) = s.pixels { bytes += b } }
            return ImageSet(unchecked: name, first.channels, first.height, first.width, .uint8(bytes, scale: scale), labels, classes)
        }
        var floats: [Float] = []
        floats.reserveCapacity(labels.count * first.imageSize)
        for s in sets {
            switch s.pixels {
            case .uint8(let b, let scale): floats += b.map { Float($0) * scale }
            case .float32(let f): floats += f
            }
        }
        return ImageSet(unchecked: name, first.channels, first.height, first.width, .float32(floats), labels, classes)
    }
}

extension ImageSet: CustomStringConvertible {
    /// "mnist train: 60000 images 1×28×28, 10 classes".
    public var description: String { "\(name): \(count) images \(shapeDescription), \(classCount) classes" }
}
