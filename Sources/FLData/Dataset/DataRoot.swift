import Foundation

/// Where datasets live: the project's `data/` folder unless overridden.
///
/// Resolution order: an explicit path argument, then the `FLNB_DATA` environment variable, then
/// the first `data/` folder found walking up from the current directory next to a `Package.swift`
/// (the project checkout), then the `data/` folder of the checkout this module was built from,
/// and finally `./data`.
public struct DataRoot: Sendable, Equatable, CustomStringConvertible {
    /// The environment variable that overrides the default location.
    public static let environmentVariable = "FLNB_DATA"

    /// The folder's path.
    public let path: String

    /// A root at an explicit folder.
    public init(path: String) { self.path = path }

    /// Resolves the data folder (see the type's documentation for the order).
    public static func resolve(_ explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> DataRoot {
        if let explicit, !explicit.isEmpty { return DataRoot(path: expandTilde(explicit)) }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            return DataRoot(path: expandTilde(fromEnvironment))
        }
        let fm = FileManager.default
        var dir = URL(fileURLWithPath: fm.currentDirectoryPath).standardizedFileURL
        while true {
            if fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path),
               fm.fileExists(atPath: dir.appendingPathComponent("data").path) {
                return DataRoot(path: dir.appendingPathComponent("data").path)
            }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        // The checkout this file was compiled in: …/Sources/FLData/Dataset/DataRoot.swift → …/data.
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data")
        if fm.fileExists(atPath: checkout.path) { return DataRoot(path: checkout.path) }
        return DataRoot(path: fm.currentDirectoryPath + "/data")
    }

    /// A path inside the root.
    public func file(_ relative: String) -> String {
        relative.isEmpty ? path : path + "/" + relative
    }

    public var description: String { path }

    private static func expandTilde(_ p: String) -> String {
        p.hasPrefix("~/") ? FileManager.default.homeDirectoryForCurrentUser.path + p.dropFirst(1) : p
    }
}
