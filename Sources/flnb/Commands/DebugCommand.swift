import Foundation
import FLTensor

/// `flnb debug export-resnet DIR`: the Swift side of bench/compare_resnet.py — a ResNet-18's
/// weights, an input batch, and our outputs and gradients, for comparison with PyTorch.
enum DebugCommand {
    static let usage = "Usage: flnb debug export-resnet DIR [--nf 8] [--batch 4] [--seed 1]"

    static func run(_ args: [String]) -> Int32 {
        guard args.first == "export-resnet", args.count >= 2 else {
            FileHandle.standardError.write(Data("\(usage)\n".utf8)); return ExitStatus.usage
        }
        let dir = args[1]
        var nf = 8, batch = 4, seed: UInt64 = 1
        var i = 2
        while i + 1 < args.count {
            switch args[i] {
            case "--nf": nf = Int(args[i + 1]) ?? nf
            case "--batch": batch = Int(args[i + 1]) ?? batch
            case "--seed": seed = UInt64(args[i + 1]) ?? seed
            default: FileHandle.standardError.write(Data("flnb debug: unknown option \(args[i])\n\(usage)\n".utf8)); return ExitStatus.usage
            }
            i += 2
        }
        do {
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
        } catch {
            FileHandle.standardError.write(Data("flnb debug: \(error)\n".utf8)); return ExitStatus.runtimeError
        }
    }
}
