import Foundation
import FLTensor

/// `flnb bench`: training and eval throughput, GEMM speed and conv layers, each workload in
/// a fresh process so that peak memory is per workload.
enum BenchCommand: Subcommand {
    static let name = "bench"
    static let usage = ["[--only NAME[,NAME…]] [--threads N] [--seconds S] [--json]"]
    static let summary = "training/eval throughput and GEMM speed"
    static let options = [
        Option("--only", value: "NAME[,NAME…]", help: "these workloads only: \(Bench.allNames.joined(separator: ", "))", repeatable: true),
        Option("--threads", value: "N", help: "threads for flnb's kernels (default: all cores)"),
        Option("--seconds", value: "S", help: "measuring time per workload after a warm-up (default 3)"),
        Option("--json", help: "one JSON object per line (keys as bench/torch_reference.py)"),
        Option("--worker", value: "NAME", help: nil),   // one workload, in the child process runWorker starts
    ]
    static let details = "Compare with PyTorch: bench/compare (see bench/README.md)."

    static func run(_ args: [String]) throws -> Int32 {
        var only: [String] = []
        var threads = ProcessInfo.processInfo.activeProcessorCount
        var seconds = 3.0
        var json = false
        var worker: String? = nil
        var scanner = OptionScanner(args, options: options)
        while let (option, value) = try scanner.nextOption() {
            switch option.name {
            case "--only": only += value!.split(separator: ",").map(String.init)
            case "--threads": guard let n = Int(value!), n >= 1 else { throw CommandError.usage("--threads needs a positive number") }
                threads = n
            case "--seconds": guard let s = Double(value!), s > 0 else { throw CommandError.usage("--seconds needs a positive number") }
                seconds = s
            case "--json": json = true
            default: worker = value
            }
        }
        for n in only where !Bench.allNames.contains(n) {
            throw CommandError.usage("unknown workload '\(n)'; known: \(Bench.allNames.joined(separator: ", "))")
        }
        Parallel.threads = threads
        if let w = worker {
            print(try Bench.run(w, seconds: seconds).json)
            return ExitStatus.ok
        }
        let names = only.isEmpty ? Bench.allNames : only
        if !json {
            FileHandle.standardError.write(Data("flnb bench · \(GEMMPath.description) · OpenBLAS \(BLASInfo.coreName) · \(threads) threads · \(seconds) s per workload\n".utf8))
        }
        var failed = false
        for name in names {
            guard let line = runWorker(name, threads: threads, seconds: seconds) else { failed = true; continue }
            FileHandle.standardOutput.write(Data(((json ? line : human(line)) + "\n").utf8))
        }
        return failed ? ExitStatus.runtimeError : ExitStatus.ok
    }

    /// Runs one workload in a child process and returns its JSON line.
    static func runWorker(_ name: String, threads: Int, seconds: Double) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        p.arguments = ["bench", "--worker", name, "--threads", String(threads), "--seconds", String(seconds)]
        let out = Pipe()
        p.standardOutput = out
        do { try p.run() } catch {
            FileHandle.standardError.write(Data("flnb bench: cannot start a worker: \(error)\n".utf8)); return nil
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            FileHandle.standardError.write(Data("flnb bench: workload \(name) failed (status \(p.terminationStatus))\n".utf8)); return nil
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func human(_ line: String) -> String {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let name = obj["name"] as? String else { return line }
        func d(_ k: String) -> Double { (obj[k] as? Double) ?? Double((obj[k] as? Int) ?? 0) }
        if name == "sgemm" { return String(format: "%-22@ %8.1f GFLOPS", name as NSString, d("gflops")) }
        if name.hasPrefix("conv") {
            return String(format: "%-22@ fwd %8.2f ms · fwd+bwd %8.2f ms · %6.1f GFLOPS", name as NSString, d("fwd_ms"), d("fwdbwd_ms"), d("gflops_fwd"))
        }
        return String(format: "%-22@ train %9.1f img/s (%.2f ms/step) · eval %9.1f img/s · peak %.0f MB", name as NSString,
                      d("train_img_s"), d("ms_per_step"), d("eval_img_s"), d("peak_rss_mb"))
    }
}
