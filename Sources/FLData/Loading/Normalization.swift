/// Per-channel normalization, x ↦ (x − mean_c) / std_c, applied to pixel values in [0, 1].
public struct Normalization: Sendable, Equatable, CustomStringConvertible {
    public let mean: [Float]
    public let std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count && !mean.isEmpty, "one mean and one std per channel")
        self.mean = mean
        self.std = std
    }

    /// CIFAR-10 statistics (FLASHBACK.md §4).
    public static let cifar10 = Normalization(mean: [0.4914, 0.4822, 0.4465], std: [0.2470, 0.2435, 0.2615])
    /// CIFAR-100 statistics (FLASHBACK.md §4).
    public static let cifar100 = Normalization(mean: [0.5071, 0.4867, 0.4408], std: [0.2675, 0.2565, 0.2761])
    /// Tiny-ImageNet statistics (FLASHBACK.md §4).
    public static let tinyImageNet = Normalization(mean: [0.4802, 0.4480, 0.3975], std: [0.2770, 0.2691, 0.2821])

    public var description: String {
        func list(_ v: [Float]) -> String { "(" + v.map { String($0) }.joined(separator: ", ") + ")" }
        return "mean \(list(mean)) / std \(list(std))"
    }
}
