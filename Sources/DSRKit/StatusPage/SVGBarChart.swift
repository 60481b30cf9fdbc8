import Foundation

/// A bar chart as inline SVG: bars of stacked segments, a y-axis scale, x labels, and a
/// title and description for screen readers. The series' legend is the page's (HTML wraps
/// long names where SVG text cannot). Written by hand: no Swift SVG library is
/// among the packages dsr may use, and a bar chart is a few dozen elements.
struct SVGBarChart {
    /// One bar: its x label and its segments' values, one per series.
    struct Bar {
        var label: String
        var values: [Double]
    }

    /// Unique on the page: the chart's title and description are found by it.
    var id: String
    var title: String
    /// What the chart shows in words, for readers who cannot see it.
    var summary: String
    var bars: [Bar]
    /// The names of the segments of a bar, in order (for the bars' tooltips).
    var seriesNames: [String] = []
    /// Every `labelEvery`-th bar gets its x label, so long charts stay readable.
    var labelEvery = 1
    /// Whether the values are counts: the scale then steps by whole numbers.
    var counts = true
    /// How values are written on the scale.
    var format: (Double) -> String = { String(Int($0.rounded())) }
    /// The drawing's size in its own units; it is scaled to the width of its container.
    var width = 640.0
    var height = 240.0

    /// Colours with enough contrast against white and between neighbours.
    static let palette = ["#1f5f8b", "#d9822b", "#2e8540", "#8e44ad", "#c0392b", "#5d6d7e", "#b7950b"]

    private static let left = 44.0, right = 8.0, top = 12.0, bottom = 28.0

    /// The chart's SVG element; it scales to the width of its container.
    var svg: String {
        let plotWidth = width - Self.left - Self.right, plotHeight = height - Self.top - Self.bottom
        let maximum = max(bars.map { $0.values.reduce(0, +) }.max() ?? 0, counts ? 4 : 1)
        let scale = 4 * Self.niceStep(maximum / 4, whole: counts)
        let slot = plotWidth / Double(max(bars.count, 1))
        let barWidth = max(slot * 0.75, 1)
        let id = "chart-\(self.id)"
        var parts = ["""
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-labelledby="\(id)-title \(id)-desc" class="chart" preserveAspectRatio="xMidYMid meet">
            <title id="\(id)-title">\(Self.escaped(title))</title><desc id="\(id)-desc">\(Self.escaped(summary))</desc>
            """]
        for step in 0...4 {
            let value = scale * Double(step) / 4
            let y = Self.top + plotHeight - plotHeight * Double(step) / 4
            parts.append("<line x1=\"\(Self.left)\" x2=\"\(width - Self.right)\" y1=\"\(y)\" y2=\"\(y)\" class=\"grid\"/>"
                         + "<text x=\"\(Self.left - 4)\" y=\"\(y + 4)\" text-anchor=\"end\" class=\"scale\">\(Self.escaped(format(value)))</text>")
        }
        for (index, bar) in bars.enumerated() {
            let x = Self.left + slot * Double(index) + (slot - barWidth) / 2
            var base = Self.top + plotHeight
            for (seriesIndex, value) in bar.values.enumerated() where value > 0 {
                let barHeight = plotHeight * value / scale
                base -= barHeight
                let name = bar.values.count > 1 ? "\(seriesNames[seriesIndex]) " : ""
                parts.append("<rect x=\"\(Self.rounded(x))\" y=\"\(Self.rounded(base))\" width=\"\(Self.rounded(barWidth))\" "
                             + "height=\"\(Self.rounded(barHeight))\" fill=\"\(Self.palette[seriesIndex % Self.palette.count])\">"
                             + "<title>\(Self.escaped("\(bar.label): \(name)\(format(value))"))</title></rect>")
            }
            if index % labelEvery == 0 {
                let labelX = Self.rounded(Self.left + slot * (Double(index) + 0.5))
                parts.append("<text x=\"\(labelX)\" y=\"\(height - Self.bottom + 16)\" text-anchor=\"middle\" class=\"label\">"
                             + "\(Self.escaped(bar.label))</text>")
            }
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// The step between the scale's lines: the smallest of 1, 2, 2.5, 5 times a power of
    /// ten at or above `value`, and whole for counts.
    static func niceStep(_ value: Double, whole: Bool) -> Double {
        let magnitude = pow(10, floor(log10(value)))
        let factors: [Double] = whole && magnitude < 10 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]
        return factors.map { $0 * magnitude }.first { $0 >= value && (!whole || $0.rounded() == $0) } ?? value
    }

    private static func rounded(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Text for SVG content and attributes.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
