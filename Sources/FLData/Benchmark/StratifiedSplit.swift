import FLTensor

/// The fixed train/test split of datasets that have none (the CSV digit sets): stratified, 80/20,
/// identical on every machine.
///
/// The test set has ⌈N/5⌉ images, as scikit-learn's `train_test_split(test_size=0.2, stratify=y)`
/// (1797 digits → 1437 train / 360 test). Each class gets ⌊n_c/5⌋ test images, and the remaining
/// ones go to the classes with the largest remainders (n_c·20 mod 100), ties to the lower label.
/// Within class c the test images are the first ones of a permutation of that class's images
/// (in file order) drawn from `SeedDerivation.rng(seed, c)`, with `seed` =
/// `StratifiedSplit.fixedSeed` (= 20,240,601) unless given. Both index lists are sorted.
public enum StratifiedSplit {
    /// The documented seed of the shipped splits. Changing it changes every published number.
    public static let fixedSeed: UInt64 = 20_240_601

    /// Train and test indices into `labels`.
    /// - Parameter testPercent: the test share in percent, an integer so the arithmetic is exact.
    public static func split(labels: [Int], testPercent: Int = 20, seed: UInt64 = fixedSeed) -> (train: [Int], test: [Int]) {
        precondition(testPercent > 0 && testPercent < 100, "test percentage in 1…99")
        let classCount = (labels.max() ?? -1) + 1
        var members = [[Int]](repeating: [], count: classCount)
        for (i, label) in labels.enumerated() { members[label].append(i) }
        let total = labels.count
        let testTotal = (total * testPercent + 99) / 100
        var perClass = members.map { $0.count * testPercent / 100 }
        var missing = testTotal - perClass.reduce(0, +)
        let byRemainder = (0..<classCount).sorted {
            let (a, b) = (members[$0].count * testPercent % 100, members[$1].count * testPercent % 100)
            return a != b ? a > b : $0 < $1
        }
        for c in byRemainder where missing > 0 && perClass[c] < members[c].count {
            perClass[c] += 1
            missing -= 1
        }
        var train: [Int] = [], test: [Int] = []
        for c in 0..<classCount {
            var rng = SeedDerivation.rng(seed, UInt64(c))
            var shuffled = members[c]
            rng.shuffle(&shuffled)
            test += shuffled[..<perClass[c]]
            train += shuffled[perClass[c]...]
        }
        return (train.sorted(), test.sorted())
    }
}
