import Foundation
import FLTensor
import FLScript

// OpenBLAS reads OPENBLAS_CORETYPE when it loads, before any of our code runs. If it chose a
// weaker kernel family than this CPU supports and the user did not set the variable, set it
// and start again (once). A user's setting is always respected.
if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
   ProcessInfo.processInfo.environment["FLNB_REEXEC"] == nil,
   let better = CPUInfo.betterCoreType(than: BLASInfo.coreName) {
    setenv("OPENBLAS_CORETYPE", better, 1)
    setenv("FLNB_REEXEC", "1", 1)
    let args = CommandLine.arguments
    var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    execv("/proc/self/exe", &cargs)
    // If exec fails, carry on with the slower kernels.
}

// Thread count for this process (flnb sweep gives each run its share of the cores).
if let t = ProcessInfo.processInfo.environment["FLNB_THREADS"].flatMap(Int.init), t >= 1 { Parallel.threads = t }

// The GEMM path (FLNB_ISA): a wrong or unsupported value is a usage error before anything runs.
do { GEMMPath.current = try GEMMPath.fromEnvironment() } catch {
    FileHandle.standardError.write(Data("flnb: \(error)\n".utf8))
    exit(64)
}

exit(FlnbCommand.main(Array(CommandLine.arguments.dropFirst())))
