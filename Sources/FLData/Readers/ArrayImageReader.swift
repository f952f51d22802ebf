import Foundation
import FLTensor

/// Turns NumPy arrays into image sets ("bring your own data"): images as uint8 or float,
/// N×C×H×W or N×H×W×C (converted to C×H×W), N×H×W (one channel) or N×D flat rows
/// (D = H·W or 3·H·W with square images); labels as integers, shape [N] or [N, 1].
/// uint8 pixels keep their bytes with scale 1/255; float pixels are used as they are.
public enum ArrayImageReader {
    /// How a 4-D image array is laid out.
    public enum Layout: Sendable, Equatable {
        /// Decide from the shape: a size-1 or size-3 axis after N is channels, else the last axis
        /// is; [N, 3, 3, 3]-like ambiguous shapes are taken as channels-first.
        case auto
        /// N×C×H×W (PyTorch).
        case channelsFirst
        /// N×H×W×C (NumPy/TensorFlow images, Tiny-ImageNet's arrays).
        case channelsLast
    }

    /// An image set from an images array and a labels array.
    /// - Parameters:
    ///   - source: names the arrays in errors (file paths or "x_train in data.npz").
    ///   - classCount: classes the dataset defines; nil means the largest label + 1.
    public static func imageSet(images: NPYArray, labels: NPYArray, name: String, layout: Layout = .auto,
                                classCount: Int? = nil, source: (images: String, labels: String),
                                remedy: String? = nil) throws -> ImageSet {
        func bad(_ path: String, _ m: String) -> DataError { DataError(path: path, m, remedy: remedy) }
        let shape = images.shape
        guard let n = shape.first, shape.count >= 2 else {
            throw bad(source.images, "expected an image array of shape [N, C, H, W], [N, H, W, C], [N, H, W] or [N, D], found \(shapeString(shape))")
        }
        var channels = 1, height = 0, width = 0
        var channelsLast = false
        switch shape.count {
        case 4:
            let (a, c) = (shape[1], shape[3])
            switch layout {
            case .channelsFirst: channelsLast = false
            case .channelsLast: channelsLast = true
            case .auto:
                let aIsChannels = a == 1 || a == 3, cIsChannels = c == 1 || c == 3
                guard aIsChannels || cIsChannels else {
                    throw bad(source.images, "cannot tell which axis of \(shapeString(shape)) holds the channels (expected 1 or 3 at position 1 or 3); give the layout explicitly")
                }
                channelsLast = cIsChannels && !aIsChannels
            }
            (channels, height, width) = channelsLast ? (shape[3], shape[1], shape[2]) : (shape[1], shape[2], shape[3])
        case 3:
            (height, width) = (shape[1], shape[2])
        case 2:
            let d = shape[1]
            let side = Int(Double(d).squareRoot().rounded()), side3 = Int(Double(d / 3).squareRoot().rounded())
            if side * side == d { (height, width) = (side, side) } else if 3 * side3 * side3 == d {
                (channels, height, width) = (3, side3, side3)
            } else {
                throw bad(source.images, "cannot infer an image shape from rows of \(d) values (expected H·W or 3·H·W with square images); reshape to [N, C, H, W]")
            }
        default:
            throw bad(source.images, "expected an image array of rank 2 to 4, found shape \(shapeString(shape))")
        }
        guard channels > 0, height > 0, width > 0 else { throw bad(source.images, "image shape \(shapeString(shape)) has an empty axis") }
        guard labels.shape == [n] || labels.shape == [n, 1] else {
            throw bad(source.labels, "expected \(n) labels (shape [\(n)] to match the \(n) images of \(source.images)), found shape \(shapeString(labels.shape))")
        }
        guard let labelValues = labels.integers() else {
            throw bad(source.labels, "expected integer labels, found \(labels.dtype.rawValue) values that are not whole numbers")
        }
        let labelLimit = classCount ?? Int.max
        if let i = labelValues.firstIndex(where: { $0 < 0 || $0 >= labelLimit }) {
            throw bad(source.labels, "expected labels 0–\(labelLimit - 1), found \(labelValues[i]) at position \(i)")
        }
        let perImage = channels * height * width
        let hwc = channelsLast && channels > 1 ? (height, width, channels) : nil
        do {
            switch images.dtype {
            case .uint8, .bool:
                let bytes = hwc.map { transposeHWC(images.bytes, count: n, $0) } ?? images.bytes
                return try ImageSet(name: name, channels: channels, height: height, width: width, bytes: bytes,
                                    scale: images.dtype == .bool ? 1 : 1 / 255, labels: labelValues, classCount: classCount)
            default:
                let values = images.floats()
                let floats = hwc.map { transposeHWC(values, count: n, $0) } ?? values
                precondition(floats.count == n * perImage)
                return try ImageSet(name: name, channels: channels, height: height, width: width, floats: floats,
                                    labels: labelValues, classCount: classCount)
            }
        } catch let e as DataError {
            throw bad(source.images, e.problem)
        }
    }

    /// An image set from two `.npy` files.
    public static func read(images imagesPath: String, labels labelsPath: String, name: String, layout: Layout = .auto,
                            classCount: Int? = nil, remedy: String? = nil) throws -> ImageSet {
        let images = try readNPY(imagesPath, what: "a .npy image array", remedy: remedy)
        let labels = try readNPY(labelsPath, what: "a .npy label array", remedy: remedy)
        return try imageSet(images: images, labels: labels, name: name, layout: layout, classCount: classCount,
                            source: (imagesPath, labelsPath), remedy: remedy)
    }

    /// An image set from two arrays of an `.npz` archive.
    public static func readNPZ(_ path: String, images imagesKey: String, labels labelsKey: String, name: String,
                               layout: Layout = .auto, classCount: Int? = nil, remedy: String? = nil) throws -> ImageSet {
        let images = try NPZ.array(imagesKey, in: path, remedy: remedy)
        let labels = try NPZ.array(labelsKey, in: path, remedy: remedy)
        return try imageSet(images: images, labels: labels, name: name, layout: layout, classCount: classCount,
                            source: ("\(path) [\(imagesKey)]", "\(path) [\(labelsKey)]"), remedy: remedy)
    }

    /// Reads a `.npy` file (memory-mapped) with flnb's error wording.
    static func readNPY(_ path: String, what: String, remedy: String?) throws -> NPYArray {
        let data = try DataFile.mapped(path, expected: what, remedy: remedy)
        do { return try NPY.decode(data, path: path) } catch { throw DataError.wrap(error, path: path, remedy: remedy) }
    }

    /// N×H×W×C → N×C×H×W, in parallel over images.
    static func transposeHWC<T>(_ source: [T], count n: Int, _ hwc: (Int, Int, Int)) -> [T] {
        let (h, w, c) = hwc
        let plane = h * w, perImage = plane * c
        guard n > 0 else { return source }
        var out = source  // same size and type; every element is overwritten below
        source.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let s = UncheckedSendable(src.baseAddress!), d = UncheckedSendable(dst.baseAddress!)
                Parallel.ranges(n, grain: max(1, 65_536 / perImage)) { images in
                    for i in images {
                        let from = s.value + i * perImage, to = d.value + i * perImage
                        for p in 0..<plane {
                            for ch in 0..<c { to[ch * plane + p] = from[p * c + ch] }
                        }
                    }
                }
            }
        }
        return out
    }
}
