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

    /// Line chart of one or more series of numbers (nil = gap), `height` rows tall.
    static func lines(_ series: [[Double?]], labels: [String], title: String, height: Int = 10, xLabel: String = "") -> String {
        let marks: [Character] = ["●", "■", "▲", "◆", "✚", "○", "□", "△", "◇", "×"]
        let all = series.flatMap { $0.compactMap { $0 } }
        guard let lo0 = all.min(), let hi0 = all.max() else { return title + "\n(nothing to plot)" }
        let lo = lo0, hi = hi0 == lo0 ? lo0 + 1 : hi0
        let width = series.map(\.count).max() ?? 0
        let colW = width > 40 ? 1 : 3
        var grid = Array(repeating: Array(repeating: Character(" "), count: width * colW), count: height)
        for (s, ys) in series.enumerated() {
            for (x, y) in ys.enumerated() {
                guard let y else { continue }
                let r = height - 1 - Int(((y - lo) / (hi - lo) * Double(height - 1)).rounded())
                grid[max(0, min(height - 1, r))][x * colW + colW / 2] = marks[s % marks.count]
            }
        }
        var out = [title]
        for (r, row) in grid.enumerated() {
            let v = hi - (hi - lo) * Double(r) / Double(max(height - 1, 1))
            out.append(String(format: "%8.2f ┤", v) + String(row))
        }
        out.append("         └" + String(repeating: "─", count: width * colW) + (xLabel.isEmpty ? "" : " " + xLabel))
        if series.count > 1 || !labels.isEmpty {
            out.append("          " + zip(series.indices, labels).map { "\(marks[$0.0 % marks.count]) \($0.1)" }.joined(separator: "   "))
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
        return (series, labels, lines(series, labels: labels, title: title, xLabel: "after task"))
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

    static func linesSVG(_ series: [[Double?]], labels: [String], title: String, xLabel: String) -> String {
        let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
        let all = series.flatMap { $0.compactMap { $0 } }
        let lo = all.min() ?? 0, hi = max((all.max() ?? 1), lo + 1e-9)
        let n = max(series.map(\.count).max() ?? 1, 2)
        let w = 560, h = 340, l = 60, r = 20, t = 40, b = 50
        func px(_ i: Int) -> Double { Double(l) + Double(i) / Double(n - 1) * Double(w - l - r) }
        func py(_ v: Double) -> Double { Double(h - b) - (v - lo) / (hi - lo) * Double(h - t - b) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<text x=\"\(l)\" y=\"22\" font-size=\"14\">\(svgEscape(title))</text>\n"
        s += "<line x1=\"\(l)\" y1=\"\(h - b)\" x2=\"\(w - r)\" y2=\"\(h - b)\" stroke=\"black\"/><line x1=\"\(l)\" y1=\"\(t)\" x2=\"\(l)\" y2=\"\(h - b)\" stroke=\"black\"/>\n"
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            s += "<text x=\"\(l - 6)\" y=\"\(String(format: "%.1f", py(v) + 4))\" text-anchor=\"end\">\(String(format: "%.1f", v))</text>\n"
        }
        for i in 0..<n { s += "<text x=\"\(String(format: "%.1f", px(i)))\" y=\"\(h - b + 16)\" text-anchor=\"middle\">\(i)</text>" }
        s += "\n<text x=\"\((w + l) / 2)\" y=\"\(h - 12)\" text-anchor=\"middle\">\(svgEscape(xLabel))</text>\n"
        for (k, ys) in series.enumerated() {
            let c = colors[k % colors.count]
            var path = ""
            for (i, y) in ys.enumerated() {
                guard let y else { continue }
                path += (path.isEmpty ? "M" : " L") + String(format: "%.1f %.1f", px(i), py(y))
                s += "<circle cx=\"\(String(format: "%.1f", px(i)))\" cy=\"\(String(format: "%.1f", py(y)))\" r=\"3\" fill=\"\(c)\"/>"
            }
            s += "\n<path d=\"\(path)\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\"/>\n"
            if k < labels.count { s += "<text x=\"\(w - r - 90)\" y=\"\(t + 14 * k)\" fill=\"\(c)\">\(svgEscape(labels[k]))</text>\n" }
        }
        return s + "</svg>\n"
    }
}
