import FLTensor

// Every random stream flnb uses is a pure function of a seed and a path of integers (task,
// phase, epoch, batch, class…), so a restored run can jump to batch b of epoch e without
// replaying the batches before it, and nothing depends on hashing seeds, thread timing or the
// platform's random source. Two mixes live here, each fixed by the numbers already recorded:
// `deriveSeed` for everything the trainer, the methods and the data subsets draw, `SeedDerivation` for the
// stratified validation splits. Merging them would move every table or every validation split, so they
// merge only with the next regeneration that moves numbers anyway.

/// The trainer's and the methods' seeds: a stable 64-bit mix of several numbers (per task, phase, epoch, batch…).
public func deriveSeed(_ parts: UInt64...) -> UInt64 {
    var h: UInt64 = 0x243F_6A88_85A3_08D3
    for p in parts {
        h ^= p &+ 0x9E37_79B9_7F4A_7C15 &+ (h << 6) &+ (h >> 2)
        h = (h ^ (h >> 31)) &* 0x7FB5_D329_728E_A185
        h = (h ^ (h >> 27)) &* 0x81DA_DEF4_BC2D_D44D
        h ^= h >> 33
    }
    return h
}

/// The validation splits' seeds: a base seed and a path of integers, each step mixed with
/// SplitMix64's finalizer.
public enum SeedDerivation {
    /// A generator for the stream at `path` under `seed`.
    public static func rng(_ seed: UInt64, _ path: UInt64...) -> RNG {
        var h = mix(seed ^ 0x243F_6A88_85A3_08D3)  // π's digits: keeps a derived seed of 0 away from RNG(seed: 0)
        for part in path { h = mix(h ^ mix(part &+ 0x9E37_79B9_7F4A_7C15)) }
        return RNG(seed: h)
    }

    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
