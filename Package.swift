// swift-tools-version:6.0
// flnb — a notebook-style REPL scripting environment for continual-learning research.
// No Swift package dependencies: system libraries only (OpenBLAS, libedit, zlib, ZeroMQ, libcrypto).
import PackageDescription
import Foundation

// flnb is built where it runs (SwiftPM builds from source), so the numeric code may use the
// vector instructions of the build machine: with AVX2 + FMA (every x86 CPU since Haswell and
// Zen) it is compiled for Haswell-class CPUs, doubling the SIMD width of flnb's own kernels
// (Winograd transforms, batch-norm, elementwise). FLNB_PORTABLE=1 builds for baseline x86-64.
let cpuFlags: Set<Substring> = {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
    return Set(line.split(separator: " "))
}()
let vectorISA: [String] = ProcessInfo.processInfo.environment["FLNB_PORTABLE"] == nil
    && ["avx2", "fma", "bmi2", "f16c", "movbe"].allSatisfy { cpuFlags.contains(Substring($0)) } ? ["-target-cpu", "haswell"] : []

// Release builds of the numeric code drop exclusivity checks in hot loops; correctness is
// held by the tests, which run against the same flags.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"] + vectorISA),
]

let package = Package(
    name: "flnb",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "flnb", targets: ["flnb"]),
        .library(name: "FLTensor", targets: ["FLTensor"]),
        .library(name: "FLData", targets: ["FLData"]),
        .library(name: "FLCore", targets: ["FLCore"]),
        .library(name: "FLScript", targets: ["FLScript"]),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine",
                       providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ",
                       providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto",
                       providers: [.apt(["libssl-dev"])]),
        // flnb's GEMM kernels: C with clang's vector extensions, one function per ISA through
        // target attributes, chosen at run time (so no -m flags here). -O3 unrolls the kernels;
        // no -ffast-math: every element is an explicit chain of fused multiply-adds.
        .target(name: "CKernels", path: "Sources/CKernels",
                cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        // Each target names every module its sources import (not only the ones it gets through others).
        .target(name: "FLTensor", dependencies: ["COpenBLAS", "CKernels"], swiftSettings: fastMath),
        .target(name: "FLData", dependencies: ["FLTensor", "CZlib"], swiftSettings: fastMath),
        .target(name: "FLCore", dependencies: ["FLTensor", "FLData"], swiftSettings: fastMath),
        .target(name: "FLScript", dependencies: ["FLTensor", "FLData", "FLCore"]),
        .executableTarget(name: "flnb", dependencies: ["FLTensor", "FLData", "FLCore", "FLScript", "CEditLine", "CZeroMQ", "CCrypto"]),
        .testTarget(name: "FLTensorTests", dependencies: ["FLTensor", "CKernels"]),
        .testTarget(name: "FLDataTests", dependencies: ["FLTensor", "FLData"]),
        .testTarget(name: "FLCoreTests", dependencies: ["FLTensor", "FLData", "FLCore"]),
        .testTarget(name: "FLScriptTests", dependencies: ["FLScript"]),
        .testTarget(name: "EndToEndTests", dependencies: ["FLTensor", "FLData", "FLCore", "FLScript", "flnb"]),
    ],
    swiftLanguageModes: [.v6]
)
