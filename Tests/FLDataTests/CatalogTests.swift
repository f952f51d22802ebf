import Foundation
import XCTest
import FLTensor
@testable import FLData

/// `flnb data list` / `flnb data get` and the data folder resolution.
final class CatalogTests: XCTestCase {
    func testDataRootPrefersExplicitThenEnvironmentThenProject() {
        XCTAssertEqual(DataRoot.resolve("/x/explicit", environment: ["FLNB_DATA": "/y/env"]).path, "/x/explicit")
        XCTAssertEqual(DataRoot.resolve(nil, environment: ["FLNB_DATA": "/y/env"]).path, "/y/env")
        let project = DataRoot.resolve(nil, environment: [:])
        XCTAssertTrue(project.path.hasSuffix("/data"), project.path)
        XCTAssertTrue(DataFile.exists(project.file("digits.csv.gz")), "the project's data folder holds the shipped digits")
    }

    func testListShowsEveryDatasetWithPresenceSizeAndCount() {
        let text = DatasetCatalog.listText(root: Fixtures.projectData)
        for dataset in DatasetCatalog.all { XCTAssertTrue(text.contains(dataset.name), "\(dataset.name) missing from:\n\(text)") }
        let digits = DatasetCatalog.status(root: Fixtures.projectData).first { $0.name == "digits" }!
        XCTAssertTrue(digits.present)
        XCTAssertEqual(digits.fileCount, 1)
        XCTAssertEqual(digits.bytes, 57_523)
        XCTAssertTrue(text.contains("digits") && text.contains("56 KB in 1 file"), text)

        let empty = Fixtures.temporaryFolder()
        defer { Fixtures.remove(empty) }
        let statuses = DatasetCatalog.status(root: DataRoot(path: empty))
        XCTAssertFalse(statuses.first { $0.name == "mnist" }!.present)
        XCTAssertEqual(statuses.first { $0.name == "cifar10" }!.missing.count, 6)
        XCTAssertTrue(DatasetCatalog.listText(root: DataRoot(path: empty)).contains("missing  \(empty)/mnist · get: flnb data get mnist"))
    }

    func testGetOfAShippedDatasetVerifiesItWithoutDownloading() throws {
        let report = try DatasetDownloader.get("digits", root: Fixtures.projectData, log: { _ in })
        XCTAssertTrue(report.contains("already present") && report.contains("md5 verified"), report)
        XCTAssertEqual(try DatasetDownloader.verified(DatasetCatalog.info("mnist5k"), in: Fixtures.projectData.path), "1 file, md5 verified")
    }

    func testChecksumMismatchIsReported() throws {
        let dir = Fixtures.temporaryFolder()
        defer { Fixtures.remove(dir) }
        Fixtures.write(Zlib.compress(Array("0,1\n".utf8), gzip: true), to: dir + "/digits.csv.gz")
        assertDataError(try DatasetDownloader.verified(DatasetCatalog.info("digits"), in: dir),
                        contains: ["digits.csv.gz", "checksum mismatch", "expected md5 9b335364a7bfd63947c7480a5bd51f2d"])
    }

    func testUnknownAndUndownloadableDatasetsExplainThemselves() {
        assertDataError(try DatasetCatalog.info("imagenet"), contains: ["unknown dataset 'imagenet'", "cifar10", "tiny-imagenet"])
        let empty = Fixtures.temporaryFolder()
        defer { Fixtures.remove(empty) }
        assertDataError(try DatasetDownloader.get("tinyimg", root: DataRoot(path: empty), log: { _ in }),
                        contains: ["cannot download tiny-imagenet", "x_train.npy"])
    }

    func testCIFARArchiveIsCheckedAndUnpacked() throws {
        // The download itself needs the network; what follows it is tested on an archive in the
        // official layout: md5 check, gunzip, untar, files into data/cifar-10-batches-bin/.
        let root = Fixtures.temporaryFolder()
        defer { Fixtures.remove(root) }
        var files: [(String, [UInt8])] = (1...5).map { ("cifar-10-batches-bin/data_batch_\($0).bin", Fixtures.cifar10(labels: [$0, 9 - $0])) }
        files.append(("cifar-10-batches-bin/test_batch.bin", Fixtures.cifar10(labels: [3])))
        files.append(("cifar-10-batches-bin/batches.meta.txt", Array("airplane\n".utf8)))
        let archive = Zlib.compress(Fixtures.tar(files), gzip: true)
        let path = root + "/cifar-10-binary.tar.gz"
        Fixtures.write(archive, to: path)
        let dataset = try DatasetCatalog.info("cifar10")
        assertDataError(try DatasetDownloader.installArchive(path, md5: "c32a1d4ab5d03f1284b67883e8d87530", dataset: dataset,
                                                             root: DataRoot(path: root), log: { _ in }),
                        contains: ["checksum mismatch", "expected md5 c32a1d4ab5d03f1284b67883e8d87530", "flnb data get cifar10"])
        try DatasetDownloader.installArchive(path, md5: MD5.hex(archive), dataset: dataset, root: DataRoot(path: root), log: { _ in })
        XCTAssertTrue(DatasetCatalog.status(root: DataRoot(path: root)).first { $0.name == "cifar10" }!.present)
        let data = try DatasetCatalog.load("cifar10", root: DataRoot(path: root))
        XCTAssertEqual(data.train.labels, [1, 8, 2, 7, 3, 6, 4, 5, 5, 4])
        XCTAssertEqual(data.test.labels, [3])
    }

    func testGetFashionMNISTCopiesTheDebianPackage() throws {
        let system = "/usr/share/datasets/fashion-mnist"
        guard DataFile.exists(system + "/train-images-idx3-ubyte.gz") else {
            print("skipped: \(system) is absent (apt-get install dataset-fashion-mnist)")
            return
        }
        let root = Fixtures.temporaryFolder()
        defer { Fixtures.remove(root) }
        var lines: [String] = []
        let report = try DatasetDownloader.get("fashion-mnist", root: DataRoot(path: root), log: { lines.append($0) })
        XCTAssertTrue(report.contains("installed") && report.contains("4 files, md5 verified"), report)
        XCTAssertTrue(lines.contains { $0.contains("copying train-images-idx3-ubyte.gz") }, "\(lines)")
        XCTAssertTrue(DataFile.exists(root + "/fashion-mnist/t10k-labels-idx1-ubyte.gz"))
    }

    /// Real downloads (PyPI) into the project's data folder; opt in with FLNB_TEST_DATA_GET=1.
    func testGetDownloadsMNISTWhenAskedTo() throws {
        guard ProcessInfo.processInfo.environment["FLNB_TEST_DATA_GET"] == "1" else {
            print("skipped: set FLNB_TEST_DATA_GET=1 to run `data get mnist` and `data get fashion-mnist` for real")
            return
        }
        for name in ["fashion-mnist", "mnist"] {
            let report = try DatasetDownloader.get(name, root: Fixtures.projectData)
            print(report)
            XCTAssertTrue(report.contains("md5 verified"), report)
        }
    }
}
