/// Train-time augmentation: a random crop of the image zero-padded by `cropPadding` pixels on
/// every side (torchvision's `RandomCrop(size, padding: p)`), then a horizontal flip with
/// probability ½ (`RandomHorizontalFlip`). Padding is black in pixel space, so after
/// normalization it reads −mean/std, as with torchvision's transform order.
public struct Augmentation: Sendable, Equatable, CustomStringConvertible {
    /// Zero padding around the image before cropping back to its size; 0 disables the crop.
    public var cropPadding: Int
    /// Whether images are flipped left–right with probability ½.
    public var horizontalFlip: Bool

    public init(cropPadding: Int, horizontalFlip: Bool) {
        precondition(cropPadding >= 0, "crop padding is non-negative")
        self.cropPadding = cropPadding
        self.horizontalFlip = horizontalFlip
    }

    /// No augmentation (MNIST-like sets and the digits).
    public static let none = Augmentation(cropPadding: 0, horizontalFlip: false)
    /// 4-pixel padded random crop and horizontal flip (CIFAR, Tiny-ImageNet).
    public static let cropAndFlip = Augmentation(cropPadding: 4, horizontalFlip: true)

    /// Whether it changes nothing.
    public var isIdentity: Bool { cropPadding == 0 && !horizontalFlip }

    public var description: String {
        if isIdentity { return "none" }
        var parts: [String] = []
        if cropPadding > 0 { parts.append("crop (pad \(cropPadding))") }
        if horizontalFlip { parts.append("flip") }
        return parts.joined(separator: " + ")
    }
}

/// The random choices for one image: where the crop window sits in the padded image and
/// whether to flip. `top` and `left` lie in 0…2·padding; padding/padding is the identity crop.
public struct AugmentationDraw: Sendable, Equatable {
    public var top: Int
    public var left: Int
    public var flip: Bool

    public init(top: Int, left: Int, flip: Bool) {
        self.top = top
        self.left = left
        self.flip = flip
    }
}
