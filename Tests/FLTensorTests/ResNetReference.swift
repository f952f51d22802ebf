import XCTest
@testable import FLTensor

/// An independent Float64 implementation of the CIFAR ResNet-18 forward pass in training mode
/// (direct convolution loops, batch statistics), used as the reference for central differences
/// on the whole network: ε can be tiny in Float64, so ReLU kinks and Float32 rounding do not
/// blur the numeric derivative.
struct ResNetReference {
    var weights: [String: [Double]]
    let net: ResNet18

    init(_ net: ResNet18) {
        self.net = net
        var w: [String: [Double]] = [:]
        for (n, t) in net.stateDict() { w[n] = t.toArray().map(Double.init) }
        weights = w
    }

    struct Act { var v: [Double]; var b, c, h, w: Int }

    func conv(_ x: Act, _ name: String, _ layer: Conv2d) -> Act {
        let wt = weights[name + ".weight"]!
        let (co, k, s, p) = (layer.outputChannels, layer.kernelSize, layer.stride, layer.padding)
        let ho = (x.h + 2 * p - k) / s + 1, wo = (x.w + 2 * p - k) / s + 1
        var out = [Double](repeating: 0, count: x.b * co * ho * wo)
        for n in 0..<x.b { for o in 0..<co { for y in 0..<ho { for xx in 0..<wo {
            var acc = 0.0
            for c in 0..<x.c { for ky in 0..<k { for kx in 0..<k {
                let iy = y * s - p + ky, ix = xx * s - p + kx
                if iy < 0 || iy >= x.h || ix < 0 || ix >= x.w { continue }
                acc += x.v[((n * x.c + c) * x.h + iy) * x.w + ix] * wt[((o * x.c + c) * k + ky) * k + kx]
            } } }
            out[((n * co + o) * ho + y) * wo + xx] = acc
        } } } }
        return Act(v: out, b: x.b, c: co, h: ho, w: wo)
    }

    func bn(_ x: Act, _ name: String) -> Act {
        let g = weights[name + ".weight"]!, be = weights[name + ".bias"]!
        var out = x
        let plane = x.h * x.w, n = Double(x.b * plane)
        for c in 0..<x.c {
            var m = 0.0
            for b in 0..<x.b { for i in 0..<plane { m += x.v[(b * x.c + c) * plane + i] } }
            m /= n
            var v = 0.0
            for b in 0..<x.b { for i in 0..<plane { let d = x.v[(b * x.c + c) * plane + i] - m; v += d * d } }
            v /= n
            let inv = 1 / (v + 1e-5).squareRoot()
            for b in 0..<x.b { for i in 0..<plane {
                let j = (b * x.c + c) * plane + i
                out.v[j] = (x.v[j] - m) * inv * g[c] + be[c]
            } }
        }
        return out
    }

    func relu(_ x: Act) -> Act { var o = x; o.v = x.v.map { max($0, 0) }; return o }

    func block(_ x: Act, _ prefix: String, _ blk: BasicBlock) -> Act {
        let h = relu(bn(conv(x, prefix + "conv1", blk.conv1), prefix + "bn1"))
        let y = bn(conv(h, prefix + "conv2", blk.conv2), prefix + "bn2")
        var sc = x
        if !blk.shortcut.layers.isEmpty {
            sc = bn(conv(x, prefix + "shortcut.0", blk.shortcut.layers[0] as! Conv2d), prefix + "shortcut.1")
        }
        var o = y
        for i in 0..<o.v.count { o.v[i] = max(y.v[i] + sc.v[i], 0) }
        return o
    }

    /// Mean cross-entropy of the network on x (values in Float64).
    func loss(_ input: [Double], shape: [Int], labels: [Int]) -> Double {
        var h = Act(v: input, b: shape[0], c: shape[1], h: shape[2], w: shape[3])
        h = relu(bn(conv(h, "conv1", net.conv1), "bn1"))
        for (li, layer) in [net.layer1, net.layer2, net.layer3, net.layer4].enumerated() {
            for (bi, blk) in layer.layers.enumerated() { h = block(h, "layer\(li + 1).\(bi).", blk as! BasicBlock) }
        }
        let plane = h.h * h.w
        let wt = weights["classifier.weight"]!, bias = weights["classifier.bias"]!
        let classes = bias.count
        var total = 0.0
        for n in 0..<h.b {
            var f = [Double](repeating: 0, count: h.c)
            for c in 0..<h.c { for i in 0..<plane { f[c] += h.v[(n * h.c + c) * plane + i] }; f[c] /= Double(plane) }
            var z = [Double](repeating: 0, count: classes)
            for j in 0..<classes { z[j] = bias[j]; for c in 0..<h.c { z[j] += wt[j * h.c + c] * f[c] } }
            let m = z.max()!
            let lse = m + Foundation.log(z.map { Foundation.exp($0 - m) }.reduce(0, +))
            total += lse - z[labels[n]]
        }
        return total / Double(h.b)
    }
}
