import Foundation
import FLTensor

/// `flnb debug export-resnet DIR`: the Swift side of bench/compare_resnet.py — a ResNet-18's
/// weights, an input batch, and our outputs and gradients, for comparison with PyTorch.
enum DebugCommand: Subcommand {
    static let name = "debug"
    static let usage = ["export-resnet DIR [--nf 8] [--batch 4] [--seed 1]"]
    static let summary = "write a ResNet-18, a batch, our outputs and gradients to DIR for bench/compare_resnet.py"
    static let options = [Option("--nf", value: "N", help: "ResNet-18 width (default 8)"), Option("--batch", value: "N", help: "batch size (default 4)"),
                          Option("--seed", value: "N", help: "seed of the weights and the batch (default 1)")]

    static func run(_ args: [String]) throws -> Int32 {
        guard args.first == "export-resnet" else { throw CommandError.usage(args.first.map { "unknown subcommand '\($0)'" } ?? "which subcommand?") }
        var dir: String?, nf = 8, batch = 4, seed: UInt64 = 1
        var scanner = OptionScanner(Array(args.dropFirst()), options: options)
        while let item = try scanner.next() {
            switch item {
            case .positional(let word):
                guard dir == nil else { throw CommandError.usage("one folder (got '\(dir!)' and '\(word)')") }
                dir = word
            case .option(let option, let value):
                guard let n = UInt64(value!), n >= 1 || option.name == "--seed" else {
                    throw CommandError.usage("\(option.name) needs a positive whole number, got '\(value!)'")
                }
                switch option.name {
                case "--nf": nf = Int(n)
                case "--batch": batch = Int(n)
                default: seed = n
                }
            }
        }
        guard let dir else { throw CommandError.usage("export-resnet needs a folder") }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var rng = RNG(seed: seed)
        let net = ResNet18(nf: nf, classes: 10, rng: &rng)
        // Non-trivial batch-norm statistics so that eval mode is really tested.
        for (n, t) in net.namedBuffers() {
            for k in 0..<t.count { t.data[k] = n.hasSuffix("running_var") ? rng.uniform(0.5, 1.5) : rng.uniform(-0.2, 0.2) }
        }
        try net.save(to: dir + "/model.safetensors")
        let x = Tensor.normal([batch, 3, 32, 32], rng: &rng)
        let labels = (0..<batch).map { _ in rng.int(below: 10) }
        try NPY.write(NPYArray(x), to: dir + "/input.npy")
        try NPY.write(NPYArray(int64: labels, shape: [batch]), to: dir + "/labels.npy")
        var out: [(String, Tensor)] = []
        net.eval()
        out.append(("logits_eval", try noGrad { try net(x) }))
        net.train()
        let z = try net(x)
        let loss = try crossEntropy(z, labels)
        try loss.backward()
        out.append(("logits_train", z.detach()))
        out.append(("loss", try loss.detach().reshaped([1])))
        for (n, p) in net.namedParameters() { if let g = p.grad { out.append(("grad." + n, g)) } }
        for (n, t) in net.namedBuffers() {
            let bn = String(n.dropLast(n.hasSuffix("running_mean") ? ".running_mean".count : ".running_var".count))
            out.append(((n.hasSuffix("running_mean") ? "running_mean_after." : "running_var_after.") + bn, t))
        }
        try Safetensors.write(out, to: dir + "/outputs.safetensors")
        print("wrote \(dir)/model.safetensors, input.npy, labels.npy, outputs.safetensors (ResNet-18 nf=\(nf), batch \(batch))")
        return ExitStatus.ok
    }
}
