import FLTensor

/// Derives independent seeds from a base seed and a path of integers (epoch, batch, class…),
/// so that any random stream flnb uses is a pure function of its coordinates: the loader can
/// jump to batch b of epoch e without replaying the batches before it.
///
/// Each step mixes with SplitMix64's finalizer; the result depends only on the integers, never
/// on hashing seeds, thread timing or the platform's random source.
public enum SeedDerivation {
    /// A seed for the stream at `path` under `seed`.
    public static func derive(_ seed: UInt64, _ path: UInt64...) -> UInt64 {
        derive(seed, path: path)
    }

    /// A seed for the stream at `path` under `seed` (array form).
    public static func derive(_ seed: UInt64, path: [UInt64]) -> UInt64 {
        var h = mix(seed ^ 0x243F_6A88_85A3_08D3)  // π's digits: keeps derive(0) away from RNG(seed: 0)
        for part in path { h = mix(h ^ mix(part &+ 0x9E37_79B9_7F4A_7C15)) }
        return h
    }

    /// A generator for the stream at `path` under `seed`.
    public static func rng(_ seed: UInt64, _ path: UInt64...) -> RNG {
        RNG(seed: derive(seed, path: path))
    }

    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
