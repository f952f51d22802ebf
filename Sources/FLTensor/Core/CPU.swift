import Foundation

/// What the processor can do, and the OpenBLAS kernel family that fits it.
public enum CPUInfo {
    /// The flags line of /proc/cpuinfo (empty where unavailable).
    public static let flags: Set<String> = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            if let colon = line.firstIndex(of: ":") {
                return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
            }
        }
        return []
    }()

    /// The processor's model name from /proc/cpuinfo ("unknown" where unavailable).
    public static let modelName: String = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }()

    public static var hasAVX512: Bool { ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) }
    public static var hasAVX2FMA: Bool { flags.contains("avx2") && flags.contains("fma") }

    /// The OpenBLAS core type to request when OpenBLAS picked a weaker one than the CPU
    /// supports (OpenBLAS 0.3.21 takes recent Xeons for "Prescott"), or nil when its own
    /// choice is already right. Decided from what OpenBLAS actually loaded, so a correct
    /// detection (e.g. "Zen") is left alone.
    public static func betterCoreType(than loaded: String) -> String? {
        let avx512Cores: Set<String> = ["SkylakeX", "Cooperlake", "SapphireRapids"]
        let avx2Cores: Set<String> = avx512Cores.union(["Haswell", "Zen"])
        if hasAVX512 && !avx512Cores.contains(loaded) && !avx2Cores.contains(loaded) { return "SkylakeX" }
        if hasAVX2FMA && !avx2Cores.contains(loaded) { return "Haswell" }
        return nil
    }
}
