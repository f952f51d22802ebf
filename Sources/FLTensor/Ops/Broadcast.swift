/// Broadcasting geometry shared by elementwise ops and by their backward reductions.
///
/// Shapes are right-aligned as in NumPy. Adjacent dimensions that every operand walks in
/// the same pattern are merged ("coalesced"), so a bias over [B, C, H, W] by [1, C, 1, 1]
/// becomes three loops, not four, and same-shape operands become a single flat loop.
struct BroadcastPlan {
    var dims: [Int]          // coalesced output dims, outermost first
    var strides: [[Int]]     // per operand, per coalesced dim (0 = broadcast)

    /// The broadcast result shape of two shapes, or an error naming both.
    static func resultShape(_ op: String, _ a: [Int], _ b: [Int]) throws -> [Int] {
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da }
            else if da == 1 { out[i] = db }
            else { throw TensorError.shapes(op, a, b, "shapes cannot be broadcast together") }
        }
        return out
    }

    /// Plan for walking `outShape` with each operand shape broadcast into it.
    init(outShape: [Int], operands: [[Int]]) {
        let n = outShape.count
        var st: [[Int]] = []
        for s in operands {
            var strides = [Int](repeating: 0, count: n)
            var acc = 1
            for i in stride(from: n - 1, through: 0, by: -1) {
                let j = i - (n - s.count)
                let d = j >= 0 ? s[j] : 1
                strides[i] = (d == 1 && outShape[i] != 1) ? 0 : acc
                if d == 1 && outShape[i] == 1 { strides[i] = 0 }
                acc *= d
            }
            st.append(strides)
        }
        // Drop size-1 dims, then merge dims that are contiguous for every operand.
        var dims: [Int] = []
        var cs: [[Int]] = Array(repeating: [], count: operands.count)
        for i in 0..<n where outShape[i] != 1 {
            if let last = dims.last {
                var mergeable = true
                for k in 0..<operands.count {
                    let sPrev = cs[k].last!, sCur = st[k][i]
                    if !(sPrev == sCur * outShape[i]) && !(sPrev == 0 && sCur == 0) { mergeable = false; break }
                }
                if mergeable {
                    dims[dims.count - 1] = last * outShape[i]
                    for k in 0..<operands.count { cs[k][cs[k].count - 1] = st[k][i] }
                    continue
                }
            }
            dims.append(outShape[i])
            for k in 0..<operands.count { cs[k].append(st[k][i]) }
        }
        if dims.isEmpty {
            dims = [1]
            for k in 0..<operands.count { cs[k] = [0] }
        }
        self.dims = dims
        self.strides = cs
    }

    var total: Int { dims.reduce(1, *) }
    var inner: Int { dims.last! }
    var rows: Int { total / inner }

    /// Offsets of each operand at the start of output row `row` (row = all dims but the last).
    @inline(__always)
    func rowOffsets(_ row: Int, _ operand: Int) -> Int {
        var r = row
        var off = 0
        let s = strides[operand]
        var i = dims.count - 2
        while i >= 0 {
            let d = dims[i]
            off += (r % d) * s[i]
            r /= d
            i -= 1
        }
        return off
    }
}

/// Sums `x` down to `shape`, which must broadcast to `x.shape` (the backward of broadcasting).
func reduceSum(_ x: Tensor, to shape: [Int]) -> Tensor {
    if x.shape == shape { return x }
    let out = Tensor.zeros(shape)
    let plan = BroadcastPlan(outShape: x.shape, operands: [x.shape, shape])
    let inner = plan.inner, rows = plan.rows
    let sIn = plan.strides[1].last!
    let px = x.data, po = out.data
    if plan.dims.count == 1 {
        if sIn == 0 {
            var s: Float = 0
            for i in 0..<inner { s += px[i] }
            po[0] += s
        } else { for i in 0..<inner { po[i] += px[i] } }
        return out
    }
    for r in 0..<rows {
        let o = plan.rowOffsets(r, 1)
        let xr = px + r * inner
        if sIn == 0 {
            var s: Float = 0
            for i in 0..<inner { s += xr[i] }
            po[o] += s
        } else {
            let orow = po + o
            for i in 0..<inner { orow[i] += xr[i] }
        }
    }
    return out
}
