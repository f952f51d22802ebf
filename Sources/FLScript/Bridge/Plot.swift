import Foundation
import FLCore

/// Text and SVG plots: the accuracy matrix as a heat map, accuracy-per-task curves, and
/// line charts of numbers. Text plots use only Unicode shading (no terminal colours), so
/// they read the same in a terminal and in a notebook's recorded output.
enum Plot {
    static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

    static func shade(_ v: Double) -> Character {
        let i = min(4, max(0, Int((v / 100 * 4).rounded())))
        return shades[i]
    }

    /// The matrix as rows of shaded cells with values.
    static func heatMap(_ m: AccuracyMatrix, title: String) -> String {
        var lines = [title + "  (rows: after task i · columns: task j · " + shades.map(String.init).joined() + " = 0…100 %)"]
        for i in 0..<m.tasks where m.values[i].contains(where: { $0 != nil }) {
            var row = String(format: "%3d │", i)
            for j in 0..<m.tasks {
                if let v = m[i, j] { row += " " + String(repeating: shade(v), count: 2) + String(format: "%5.1f", v) }
                else { row += "        " }
            }
            lines.append(row)
        }
        lines.append("    └" + String(repeating: "─", count: 8 * m.tasks))
        lines.append("     " + (0..<m.tasks).map { String(format: "%8d", $0) }.joined())
        return lines.joined(separator: "\n")
    }

    // MARK: Axes

    /// Tick values at nice numbers (1, 2 or 5 × 10^k apart) covering lo…hi, about `count` intervals.
    static func niceTicks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        let high = hi > lo ? hi : lo + 1
        let raw = (high - lo) / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
        let first = (lo / step + 1e-9).rounded(.down) * step
        let last = (high / step - 1e-9).rounded(.up) * step
        return stride(from: first, through: last + step / 2, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    /// Tick labels with as many decimals as the step needs (20 → "20", 0.05 → "0.05").
    static func tickLabels(_ ticks: [Double]) -> [String] {
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        return ticks.map { String(format: "%.\(decimals)f", $0) }
    }

    /// Every how many points an x label goes so that labels `width` characters wide, on points
    /// `spacing` characters apart, never touch: 1, 2, 5, 10, 20, 50… (nice numbers again).
    static func xLabelStep(points: Int, spacing: Double, width: Int) -> Int {
        var step = 1, index = 0
        let multipliers = [2.0, 2.5, 2.0]
        while Double(step) * spacing < Double(width + 1), step < max(points, 1) {
            step = Int((Double(step) * multipliers[index % 3]).rounded())
            index += 1
        }
        return step
    }

    /// Line chart of one or more series of numbers (nil = gap), `height` rows tall, with y ticks
    /// at nice numbers, x ticks that do not crowd, axis labels, and the legend below the chart.
    static func lines(_ series: [[Double?]], labels: [String], title: String, height: Int = 10,
                      xLabel: String = "index", yLabel: String = "value") -> String {
        let marks: [Character] = ["●", "■", "▲", "◆", "✚", "○", "□", "△", "◇", "×"]
        let all = series.flatMap { $0.compactMap { $0 } }
        guard let lo0 = all.min(), let hi0 = all.max() else { return title + "\n(nothing to plot)" }
        let ticks = niceTicks(lo0, hi0)
        let lo = ticks.first!, hi = ticks.last!
        let width = series.map(\.count).max() ?? 0
        let colW = width > 40 ? 1 : 3
        func row(_ v: Double) -> Int { height - 1 - Int(((v - lo) / (hi - lo) * Double(height - 1)).rounded()) }
        var grid = Array(repeating: Array(repeating: Character(" "), count: width * colW), count: height)
        for (s, ys) in series.enumerated() {
            for (x, y) in ys.enumerated() {
                guard let y else { continue }
                grid[max(0, min(height - 1, row(y)))][x * colW + colW / 2] = marks[s % marks.count]
            }
        }
        let tickText = tickLabels(ticks)
        var rowLabels = [String?](repeating: nil, count: height)
        for (tick, text) in zip(ticks, tickText) { rowLabels[max(0, min(height - 1, row(tick)))] = text }
        let labelWidth = max(tickText.map(\.count).max() ?? 1, 1)
        let pad = String(repeating: " ", count: labelWidth)
        var out = [title, pad + "  " + yLabel]
        for (r, cells) in grid.enumerated() {
            if let text = rowLabels[r] {
                out.append(String(repeating: " ", count: labelWidth - text.count) + text + " ┤" + String(cells))
            } else {
                out.append(pad + " │" + String(cells))
            }
        }
        out.append(pad + " └" + String(repeating: "─", count: width * colW))
        // x tick labels, spaced so that they never run into each other.
        let lastIndex = max(0, width - 1)
        let step = xLabelStep(points: width, spacing: Double(colW), width: String(lastIndex).count)
        var axis = Array(repeating: Character(" "), count: width * colW + String(lastIndex).count + 1)
        for x in stride(from: 0, to: width, by: step) {
            let text = Array(String(x))
            let start = x * colW + colW / 2
            for (k, c) in text.enumerated() where start + k < axis.count { axis[start + k] = c }
        }
        out.append(pad + "  " + String(axis).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "  " + xLabel)
        if series.count > 1 || !labels.isEmpty {
            out.append(pad + "  " + zip(series.indices, labels).map { "\(marks[$0.0 % marks.count]) \($0.1)" }.joined(separator: "   "))
        }
        return out.joined(separator: "\n")
    }

    /// Accuracy on each task j over the rows i ≥ j.
    static func curves(_ m: AccuracyMatrix, title: String) -> (series: [[Double?]], labels: [String], text: String) {
        let last = m.lastRow ?? -1
        var series: [[Double?]] = []
        var labels: [String] = []
        for j in 0..<m.tasks where last >= j {
            series.append((0...last).map { i in i >= j ? m[i, j] : nil })
            labels.append("task \(j)")
        }
        return (series, labels, lines(series, labels: labels, title: title, xLabel: "after task", yLabel: "accuracy (%)"))
    }

    // MARK: SVG

    static func svgEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func heatMapSVG(_ m: AccuracyMatrix, title: String) -> String {
        let n = m.tasks, cell = 56, pad = 60
        let w = pad + n * cell + 20, h = pad + n * cell + 40
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<text x=\"\(pad)\" y=\"20\" font-size=\"14\">\(svgEscape(title))</text>\n"
        for i in 0..<n { for j in 0..<n {
            guard let v = m[i, j] else { continue }
            let g = Int(255 - v / 100 * 200)
            let x = pad + j * cell, y = pad + i * cell - 20
            s += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell - 2)\" height=\"\(cell - 2)\" fill=\"rgb(\(g),\(min(255, g + 30)),255)\"/>"
            s += "<text x=\"\(x + cell / 2 - 1)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"middle\" fill=\"\(v > 60 ? "white" : "black")\">\(String(format: "%.1f", v))</text>\n"
        } }
        for k in 0..<n {
            s += "<text x=\"\(pad + k * cell + cell / 2)\" y=\"\(pad + n * cell - 4)\" text-anchor=\"middle\">\(k)</text>"
            s += "<text x=\"\(pad - 10)\" y=\"\(pad + k * cell + cell / 2 - 16)\" text-anchor=\"end\">\(k)</text>\n"
        }
        s += "<text x=\"\(pad + n * cell / 2)\" y=\"\(pad + n * cell + 14)\" text-anchor=\"middle\">task j</text>"
        s += "<text x=\"14\" y=\"\(pad + n * cell / 2)\" transform=\"rotate(-90 14 \(pad + n * cell / 2))\" text-anchor=\"middle\">after task i</text>\n"
        return s + "</svg>\n"
    }

    /// The SVG twin of `lines`: the same nice y ticks (with grid lines), x ticks that do not
    /// crowd, axis labels, and the legend to the right of the plot area, where it covers nothing.
    static func linesSVG(_ series: [[Double?]], labels: [String], title: String, xLabel: String = "index", yLabel: String = "value") -> String {
        let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
        let all = series.flatMap { $0.compactMap { $0 } }
        let ticks = niceTicks(all.min() ?? 0, all.max() ?? 1)
        let lo = ticks.first!, hi = ticks.last!
        let n = max(series.map(\.count).max() ?? 1, 2)
        let legendWidth = labels.isEmpty ? 0 : 24 + 7 * (labels.map(\.count).max() ?? 0)
        let plotWidth = 480, l = 70, r = 20 + legendWidth, t = 40, b = 56
        let w = l + plotWidth + r, h = 340
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        func px(_ i: Int) -> Double { Double(l) + Double(i) / Double(n - 1) * Double(plotWidth) }
        func py(_ v: Double) -> Double { Double(h - b) - (v - lo) / (hi - lo) * Double(h - t - b) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<text x=\"\(l)\" y=\"22\" font-size=\"14\">\(svgEscape(title))</text>\n"
        for (tick, text) in zip(ticks, tickLabels(ticks)) {
            s += "<line x1=\"\(l)\" y1=\"\(f(py(tick)))\" x2=\"\(l + plotWidth)\" y2=\"\(f(py(tick)))\" stroke=\"#e0e0e0\"/>"
            s += "<text x=\"\(l - 6)\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\">\(text)</text>\n"
        }
        s += "<line x1=\"\(l)\" y1=\"\(h - b)\" x2=\"\(l + plotWidth)\" y2=\"\(h - b)\" stroke=\"black\"/><line x1=\"\(l)\" y1=\"\(t)\" x2=\"\(l)\" y2=\"\(h - b)\" stroke=\"black\"/>\n"
        // x labels about 40 px apart at least, at nice steps.
        let step = xLabelStep(points: n, spacing: Double(plotWidth) / Double(n - 1) / 8, width: String(n - 1).count + 3)
        for i in stride(from: 0, to: n, by: step) {
            s += "<line x1=\"\(f(px(i)))\" y1=\"\(h - b)\" x2=\"\(f(px(i)))\" y2=\"\(h - b + 4)\" stroke=\"black\"/>"
            s += "<text x=\"\(f(px(i)))\" y=\"\(h - b + 16)\" text-anchor=\"middle\">\(i)</text>"
        }
        s += "\n<text x=\"\(l + plotWidth / 2)\" y=\"\(h - 14)\" text-anchor=\"middle\">\(svgEscape(xLabel))</text>\n"
        s += "<text x=\"16\" y=\"\((t + h - b) / 2)\" transform=\"rotate(-90 16 \((t + h - b) / 2))\" text-anchor=\"middle\">\(svgEscape(yLabel))</text>\n"
        for (k, ys) in series.enumerated() {
            let c = colors[k % colors.count]
            var path = ""
            for (i, y) in ys.enumerated() {
                guard let y else { continue }
                path += (path.isEmpty ? "M" : " L") + "\(f(px(i))) \(f(py(y)))"
                s += "<circle cx=\"\(f(px(i)))\" cy=\"\(f(py(y)))\" r=\"3\" fill=\"\(c)\"/>"
            }
            s += "\n<path d=\"\(path)\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\"/>\n"
            if k < labels.count {
                let y = t + 8 + 18 * k
                s += "<rect x=\"\(l + plotWidth + 16)\" y=\"\(y - 9)\" width=\"12\" height=\"12\" fill=\"\(c)\"/>"
                s += "<text x=\"\(l + plotWidth + 34)\" y=\"\(y + 1)\">\(svgEscape(labels[k]))</text>\n"
            }
        }
        return s + "</svg>\n"
    }
}
