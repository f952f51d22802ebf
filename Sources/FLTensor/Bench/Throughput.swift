import Foundation

/// Throughput measurements behind `flnb bench`: train steps (forward + backward + SGD) and
/// eval passes of the reference models, GEMM speed, and the conv2d layer kinds of ResNet-18.
public enum Bench {
    /// One result line; keys match bench/torch_reference.py.
    public struct Result: Sendable {
        public var fields: [(String, String)] = []
        public mutating func set(_ k: String, _ v: String) { fields.append((k, "\"\(v)\"")) }
        public mutating func set(_ k: String, _ v: Double, digits: Int = 2) {
            fields.append((k, v.isFinite ? String(format: "%.\(digits)f", v) : "null"))
        }
        public mutating func set(_ k: String, _ v: Int) { fields.append((k, String(v))) }
        public var json: String { "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}" }
        public func value(_ k: String) -> String? { fields.first { $0.0 == k }?.1 }
    }

    /// Model workloads and their batch sizes.
    public static let models: [(name: String, batch: Int)] = [
        ("mlp", 128), ("cnn", 32), ("resnet18-nf20", 32), ("resnet18-nf64", 32),
    ]

    /// The conv layer kinds of ResNet-18 nf=64 at batch 32: (cin, cout, hw, stride, k).
    public static let convLayers: [(Int, Int, Int, Int, Int)] = [
        (3, 64, 32, 1, 3), (64, 64, 32, 1, 3), (64, 128, 32, 2, 3), (128, 128, 16, 1, 3), (64, 128, 32, 2, 1),
        (128, 256, 16, 2, 3), (256, 256, 8, 1, 3), (256, 512, 8, 2, 3), (512, 512, 4, 1, 3),
    ]

    public static func convName(_ c: (Int, Int, Int, Int, Int)) -> String { "conv-\(c.0)-\(c.1)-\(c.2)-s\(c.3)-k\(c.4)" }

    /// Every workload name, in run order.
    public static var allNames: [String] { ["sgemm"] + models.map(\.name) + convLayers.map(convName) }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Runs `body` after `warmup` calls until at least `seconds` have passed; returns seconds per call.
    static func time(seconds: Double, warmup: Int = 3, minIterations: Int = 3, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmup { try body() }
        var n = 0
        let t0 = now()
        var t = t0
        while n < minIterations || t - t0 < seconds {
            try body()
            n += 1
            t = now()
        }
        return (t - t0) / Double(n)
    }

    /// Peak resident set size of this process in MB.
    public static func peakRSSMB() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_maxrss) / 1024
    }

    /// Builds a model workload: the network and its input shape.
    public static func makeModel(_ name: String, rng: inout RNG) -> (Network, [Int])? {
        switch name {
        case "mlp": return (MLP(inputs: 784, hidden: [100, 100], classes: 10, rng: &rng), [1, 28, 28])
        case "cnn": return (SmallCNN(channels: 3, height: 32, width: 32, classes: 10, rng: &rng), [3, 32, 32])
        case "resnet18-nf20": return (ResNet18(nf: 20, classes: 10, rng: &rng), [3, 32, 32])
        case "resnet18-nf64": return (ResNet18(nf: 64, classes: 10, rng: &rng), [3, 32, 32])
        default: return nil
        }
    }

    /// Measures one workload by name.
    public static func run(_ name: String, seconds: Double) throws -> Result {
        var r = Result()
        r.set("name", name)
        r.set("impl", "flnb")
        var rng = RNG(seed: 0)
        if name == "sgemm" {
            let n = 1024
            let a = Tensor.uniform([n, n], rng: &rng), b = Tensor.uniform([n, n], rng: &rng), c = Tensor.empty([n, n])
            let s = time(seconds: seconds) { sgemm(m: n, n: n, k: n, a: a.data, b: b.data, c: c.data) }
            r.set("threads", Parallel.threads)
            r.set("gflops", 2 * Double(n * n * n) / s / 1e9, digits: 1)
            return r
        }
        if let conv = convLayers.first(where: { convName($0) == name }) {
            let batch = 32
            let (cin, cout, hw, stride, k) = conv
            let x = Tensor.uniform([batch, cin, hw, hw], low: -1, high: 1, rng: &rng).requiringGrad()
            let w = Tensor.uniform([cout, cin, k, k], low: -0.1, high: 0.1, rng: &rng).requiringGrad()
            let pad = k / 2
            let fwd = try time(seconds: seconds / 2) { _ = try noGrad { try conv2d(x, weight: w, stride: stride, padding: pad) } }
            let seed = Tensor.ones([batch, cout, (hw + 2 * pad - k) / stride + 1, (hw + 2 * pad - k) / stride + 1])
            let fb = try time(seconds: seconds / 2) {
                x.grad = nil; w.grad = nil
                let y = try conv2d(x, weight: w, stride: stride, padding: pad)
                try y.backward(seed: seed)
            }
            let ho = (hw + 2 * pad - k) / stride + 1
            let flops = 2.0 * Double(batch * cout * ho * ho * cin * k * k)
            r.set("batch", batch)
            r.set("threads", Parallel.threads)
            r.set("fwd_ms", fwd * 1000, digits: 3)
            r.set("fwdbwd_ms", fb * 1000, digits: 3)
            r.set("gflops_fwd", flops / fwd / 1e9, digits: 1)
            return r
        }
        guard let batch = models.first(where: { $0.name == name })?.batch, let (net, inShape) = makeModel(name, rng: &rng) else {
            throw TensorError("bench: unknown workload '\(name)'; known: \(allNames.joined(separator: ", "))")
        }
        let x = Tensor.uniform([batch] + inShape, low: -1, high: 1, rng: &rng)
        let labels = (0..<batch).map { _ in rng.int(below: 10) }
        let opt = SGD(net.parameters(), lr: 0.01, momentum: 0.9)
        net.train()
        let train = try time(seconds: seconds) {
            opt.zeroGrad()
            let loss = try crossEntropy(net(x), labels)
            try loss.backward()
            opt.step()
        }
        net.eval()
        let eval = try time(seconds: seconds / 2) { _ = try noGrad { try net(x) } }
        r.set("batch", batch)
        r.set("threads", Parallel.threads)
        r.set("train_img_s", Double(batch) / train, digits: 1)
        r.set("eval_img_s", Double(batch) / eval, digits: 1)
        r.set("ms_per_step", train * 1000, digits: 3)
        r.set("eval_ms_per_step", eval * 1000, digits: 3)
        r.set("peak_rss_mb", peakRSSMB(), digits: 1)
        r.set("params", net.parameterCount)
        return r
    }
}
