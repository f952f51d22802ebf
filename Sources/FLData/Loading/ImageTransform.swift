import FLTensor

/// Turns images of an `ImageSet` into normalized (and optionally augmented) tensors.
///
/// The kernels work row by row on raw buffers: 8-bit pixels go through a per-channel table of
/// 256 normalized values (one load per pixel, no arithmetic), float pixels through one fused
/// multiply-add; images are spread over threads with `Parallel`.
public struct ImageTransform: Sendable {
    /// The source images.
    public let images: ImageSet
    /// Normalization, or nil to keep pixel values (in [0, 1] for 8-bit sources).
    public let normalization: Normalization?
    /// What `augmented` gathers apply.
    public let augmentation: Augmentation

    /// For 8-bit sources: channel c's byte b normalizes to `lookup[c·256 + b]`.
    private let lookup: [Float]
    /// For float sources: x ↦ x·gain[c] + bias[c].
    private let gain: [Float]
    private let bias: [Float]
    /// The normalized value of a black (zero) pixel, used for crop padding.
    private let padValue: [Float]

    /// - Throws: when the normalization has a different number of channels than the images.
    public init(images: ImageSet, normalization: Normalization?, augmentation: Augmentation = .none) throws {
        if let normalization, normalization.mean.count != images.channels {
            throw DataError(path: nil, "\(images.name): normalization has \(normalization.mean.count) channels, the images have \(images.channels)")
        }
        if augmentation.cropPadding > max(images.height, images.width) {
            throw DataError(path: nil, "\(images.name): crop padding \(augmentation.cropPadding) exceeds the image size \(images.shapeDescription)")
        }
        self.images = images
        self.normalization = normalization
        self.augmentation = augmentation
        let c = images.channels
        let mean = normalization?.mean ?? [Float](repeating: 0, count: c)
        let std = normalization?.std ?? [Float](repeating: 1, count: c)
        gain = std.map { 1 / $0 }
        bias = (0..<c).map { -mean[$0] / std[$0] }
        padValue = bias
        if case .uint8(_, let scale) = images.pixels {
            var table = [Float](repeating: 0, count: c * 256)
            // (b·scale − mean)/std once per byte value: the per-pixel work becomes one table load.
            for ch in 0..<c { for b in 0..<256 { table[ch * 256 + b] = (Float(b) * scale - mean[ch]) / std[ch] } }
            lookup = table
        } else {
            lookup = []
        }
    }

    /// Draws the augmentation of `count` images, in order: for each image the crop top, the crop
    /// left (each uniform in 0…2p when p > 0) and the flip (when enabled), in that order.
    public func draws(count: Int, rng: inout RNG) -> [AugmentationDraw] {
        let p = augmentation.cropPadding
        return (0..<count).map { _ in
            let top = p > 0 ? rng.int(below: 2 * p + 1) : 0
            let left = p > 0 ? rng.int(below: 2 * p + 1) : 0
            let flip = augmentation.horizontalFlip ? rng.uniformDouble() < 0.5 : false
            return AugmentationDraw(top: top, left: left, flip: flip)
        }
    }

    // Indices must lie in 0..<images.count (a precondition; check user input with
    // `ImageSet.checkIndices` first).

    /// The normalized, non-augmented images at `indices`, as a tensor [n, C, H, W].
    public func gather(_ indices: [Int]) -> Tensor {
        render(indices, draws: nil)
    }

    /// The images at `indices`, augmented with the given draws (one per index) and normalized.
    public func gather(_ indices: [Int], draws: [AugmentationDraw]) -> Tensor {
        precondition(draws.count == indices.count, "one augmentation draw per image")
        return render(indices, draws: draws)
    }

    /// The images at `indices`, augmented with draws from `RNG(seed: seed)` and normalized.
    public func gather(_ indices: [Int], augmentationSeed seed: UInt64) -> Tensor {
        var rng = RNG(seed: seed)
        return render(indices, draws: draws(count: indices.count, rng: &rng))
    }

    private func render(_ indices: [Int], draws: [AugmentationDraw]?) -> Tensor {
        let (c, h, w) = (images.channels, images.height, images.width)
        let size = c * h * w
        let out = Tensor.empty([indices.count, c, h, w])
        if indices.isEmpty { return out }
        for i in indices { precondition(i >= 0 && i < images.count, "image index \(i) outside 0..<\(images.count)") }
        let destination = UncheckedSendable(out.data)
        let pad = augmentation.cropPadding
        // Keep chunks above ~32k pixels so thread start-up stays small next to the work.
        let grain = max(1, 32_768 / size)
        indices.withUnsafeBufferPointer { idx in
            gain.withUnsafeBufferPointer { gain in bias.withUnsafeBufferPointer { bias in
            lookup.withUnsafeBufferPointer { table in padValue.withUnsafeBufferPointer { padValue in
            let rows = RowWriter(width: w, table: table.baseAddress, gain: gain.baseAddress!, bias: bias.baseAddress!)
            func run(_ source: PixelPointer) {
                Parallel.ranges(indices.count, grain: grain) { range in
                    for k in range {
                        let image = idx[k]
                        let dst = destination.value + k * size
                        let draw = draws?[k]
                        for ch in 0..<c {
                            let plane = image * size + ch * h * w
                            let padding = padValue[ch]
                            for y in 0..<h {
                                let row = dst + (ch * h + y) * w
                                guard let draw else {
                                    rows.copy(source, from: plane + y * w, channel: ch, to: row, count: w)
                                    continue
                                }
                                let sy = y + draw.top - pad
                                if sy < 0 || sy >= h { row.update(repeating: padding, count: w); continue }
                                // Output x reads source x + shift, or (w−1−x) + shift when flipped.
                                let shift = draw.left - pad
                                let lo = draw.flip ? max(0, shift) : max(0, -shift)
                                let hi = draw.flip ? min(w, w + shift) : min(w, w - shift)
                                if lo >= hi { row.update(repeating: padding, count: w); continue }
                                if lo > 0 { row.update(repeating: padding, count: lo) }
                                if hi < w { (row + hi).update(repeating: padding, count: w - hi) }
                                let sourceRow = plane + sy * w
                                if draw.flip {
                                    rows.copyReversed(source, lastFrom: sourceRow + (w - 1 - lo + shift), channel: ch, to: row + lo, count: hi - lo)
                                } else {
                                    rows.copy(source, from: sourceRow + lo + shift, channel: ch, to: row + lo, count: hi - lo)
                                }
                            }
                        }
                    }
                }
            }
            switch images.pixels {
            case .uint8(let bytes, _): bytes.withUnsafeBufferPointer { run(.bytes(UncheckedSendable($0.baseAddress!))) }
            case .float32(let floats): floats.withUnsafeBufferPointer { run(.floats(UncheckedSendable($0.baseAddress!))) }
            }
            } }
            } }
        }
        return out
    }
}

/// The source pixel buffer, typed once per gather rather than per pixel.
private enum PixelPointer {
    case bytes(UncheckedSendable<UnsafePointer<UInt8>>)
    case floats(UncheckedSendable<UnsafePointer<Float>>)
}

/// Normalizes runs of pixels from the source into the destination.
private struct RowWriter {
    let width: Int
    let table: UnsafePointer<Float>?
    let gain: UnsafePointer<Float>
    let bias: UnsafePointer<Float>

    /// dst[j] = normalize(src[start + j]) for j in 0..<count.
    @inline(__always)
    func copy(_ source: PixelPointer, from start: Int, channel: Int, to dst: UnsafeMutablePointer<Float>, count: Int) {
        switch source {
        case .bytes(let p):
            let src = p.value + start, lut = table! + channel * 256
            for j in 0..<count { dst[j] = lut[Int(src[j])] }
        case .floats(let p):
            let src = p.value + start, g = gain[channel], b = bias[channel]
            for j in 0..<count { dst[j] = src[j] * g + b }
        }
    }

    /// dst[j] = normalize(src[last − j]) for j in 0..<count (a mirrored run).
    @inline(__always)
    func copyReversed(_ source: PixelPointer, lastFrom last: Int, channel: Int, to dst: UnsafeMutablePointer<Float>, count: Int) {
        switch source {
        case .bytes(let p):
            let src = p.value + last, lut = table! + channel * 256
            for j in 0..<count { dst[j] = lut[Int(src[-j])] }
        case .floats(let p):
            let src = p.value + last, g = gain[channel], b = bias[channel]
            for j in 0..<count { dst[j] = src[-j] * g + b }
        }
    }
}
