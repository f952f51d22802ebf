import Foundation
import Testing
@testable import FLScript

/// Plot axes: nice tick values, x labels that never crowd, labels and legends in both renderers.
@Suite("Plots")
struct PlotTests {
    @Test("ticks are 1, 2 or 5 × 10^k apart and cover the data", arguments: [
        (0.0, 100.0, [0.0, 20, 40, 60, 80, 100]),
        (1.0, 4.0, [1.0, 2, 3, 4]),
        (0.01, 0.03, [0.01, 0.015, 0.02, 0.025, 0.03]),
        (3.5, 60.0, [0.0, 20, 40, 60]),
        (-7.0, 7.0, [-10.0, -5, 0, 5, 10]),
        (5.0, 5.0, [5.0, 5.2, 5.4, 5.6, 5.8, 6]),
    ])
    func niceTicks(_ lo: Double, _ hi: Double, _ expected: [Double]) {
        let ticks = Plot.niceTicks(lo, hi)
        #expect(ticks.count == expected.count && zip(ticks, expected).allSatisfy { abs($0 - $1) < 1e-9 }, "\(ticks)")
    }

    @Test("x labels step at nice numbers wide enough for the labels")
    func xLabelSteps() {
        #expect(Plot.xLabelStep(points: 4, spacing: 3, width: 1) == 1)
        #expect(Plot.xLabelStep(points: 51, spacing: 1, width: 2) == 5)
        #expect(Plot.xLabelStep(points: 500, spacing: 1, width: 3) == 5)
        #expect(Plot.xLabelStep(points: 500, spacing: 0.5, width: 3) == 10)
    }

    @Test("a text line chart has its title, axis labels, tick labels that fit, and the legend below")
    func textChart() {
        let values: [Double?] = (0..<60).map { Double($0) }
        let text = Plot.lines([values, values.map { $0.map { 60 - $0 } }], labels: ["up", "down"], title: "T", xLabel: "step", yLabel: "loss")
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "T")
        #expect(lines[1].trimmingCharacters(in: .whitespaces) == "loss")
        #expect(lines.contains { $0.hasPrefix("60 ┤") } && lines.contains { $0.hasPrefix(" 0 ┤") })
        let axis = lines[lines.count - 2]
        #expect(axis.hasSuffix("  step"))
        // Numbers on the x axis are separated by at least one space.
        let numbers = axis.split(separator: " ").filter { Int($0) != nil }
        #expect(numbers.first == "0" && numbers.count >= 5 && numbers.count <= 12, "\(axis)")
        #expect(lines.last!.contains("● up") && lines.last!.contains("■ down"))
    }

    @Test("the SVG chart has the same ticks, both axis labels, and its legend right of the plot area")
    func svgChart() throws {
        let svg = Plot.linesSVG([[1, 2, 3, 4], [4, 3, 3, 1]], labels: ["up", "down"], title: "two", xLabel: "step", yLabel: "loss")
        for label in [">1<", ">2<", ">3<", ">4<", ">step<", ">loss<", ">two<", ">up<", ">down<"] {
            #expect(svg.contains(label), "\(label)")
        }
        // The legend's text starts right of the last data point.
        let lastPoint = try #require(svg.ranges(of: "cx=\"").map { svg[$0.upperBound...].prefix { $0 != "\"" } }.compactMap { Double($0) }.max())
        let legend = try #require(svg.range(of: ">up<").map { svg[..<$0.lowerBound] }?.components(separatedBy: "<text x=\"").last?.prefix { $0 != "\"" })
        #expect(Double(legend)! > lastPoint + 10)
    }
}
