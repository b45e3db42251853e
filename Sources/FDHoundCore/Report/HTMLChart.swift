// The HTML report's chart: one inline SVG per process of open descriptors over time (OpenCountSeries) — the
// process's total as a thick line, each top code path as a thinner one — drawn as step functions, with
// axes labelled in the report's own units. No script, no external resource: the page's CSP forbids both.
import Foundation

enum HTMLChart {
    static let width = 760.0, height = 260.0
    private static let left = 48.0, right = 12.0, top = 12.0, bottom = 28.0
    /// Line colours: the total first, then the code paths in rank order (colour-blind-safe palette).
    static let colours = ["#222222", "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00"]

    /// The `<figure>` of one process's chart, with its legend.
    static func figure(_ series: OpenCountSeries, command: String) -> [String] {
        typealias Line = (label: String, points: [SeriesPoint])
        let lines: [Line] = [(label: "all descriptors of pid \(series.pid)", points: series.total)]
            + series.codePaths.map { path -> Line in
                (label: "\(path.kind) opened by \(path.api) in " + ReportWording.codePath(path.culprit, calledFrom: path.calledFrom)
                    + " (peak \(path.peak))", points: path.points)
            }
        let allPoints: [SeriesPoint] = lines.flatMap { $0.points }
        guard let first = allPoints.map(\.seconds).min(), let last = allPoints.map(\.seconds).max() else { return [] }
        let maxOpen = max(1, allPoints.map(\.open).max() ?? 1)
        let span: Double = last > first ? last - first : 1
        func x(_ seconds: Double) -> String { format(left + (seconds - first) / span * (width - left - right)) }
        func y(_ open: Int) -> String { format(top + (1 - Double(open) / Double(maxOpen)) * (height - top - bottom)) }

        var svg = ["<figure class=\"chart\">",
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(format(width)) \(format(height))\" "
                    + "width=\"\(format(width))\" height=\"\(format(height))\" role=\"img\" "
                    + "aria-label=\"open descriptors over time, pid \(series.pid)\">",
                   "<rect x=\"\(format(left))\" y=\"\(format(top))\" width=\"\(format(width - left - right))\" "
                    + "height=\"\(format(height - top - bottom))\" fill=\"none\" stroke=\"#bbbbbb\"/>",
                   axisLabel(x: left - 4, y: top + 10, anchor: "end", text: "\(maxOpen)"),
                   axisLabel(x: left - 4, y: height - bottom, anchor: "end", text: "0"),
                   axisLabel(x: left, y: height - 8, anchor: "start", text: ReportWording.seconds(first)),
                   axisLabel(x: width - right, y: height - 8, anchor: "end", text: ReportWording.seconds(last))]
        // Code paths under the total, so the total stays readable where they coincide.
        for (index, line) in lines.enumerated().reversed() where !line.points.isEmpty {
            var coordinates = [String]()
            var previous: SeriesPoint?
            func add(_ coordinate: String) { if coordinates.last != coordinate { coordinates.append(coordinate) } }
            for point in line.points {
                if let previous { add("\(x(point.seconds)),\(y(previous.open))") } // the step
                add("\(x(point.seconds)),\(y(point.open))")
                previous = point
            }
            svg.append("<polyline class=\"series\" data-series=\"\(index)\" fill=\"none\" "
                + "stroke=\"\(colours[index % colours.count])\" stroke-width=\"\(index == 0 ? 2.5 : 1.5)\" "
                + "points=\"\(coordinates.joined(separator: " "))\"/>")
        }
        svg.append("</svg>")
        svg.append("<figcaption>Open descriptors over time: pid \(series.pid) <code>\(MarkupEscapes.escape(command))</code>")
        svg.append("<ul class=\"legend\">")
        for (index, line) in lines.enumerated() {
            svg.append("<li><span class=\"swatch\" style=\"background:\(colours[index % colours.count])\"></span>"
                + MarkupEscapes.escape(line.label) + "</li>")
        }
        svg += ["</ul>", "</figcaption>", "</figure>"]
        return svg
    }

    private static func axisLabel(x: Double, y: Double, anchor: String, text: String) -> String {
        "<text x=\"\(format(x))\" y=\"\(format(y))\" text-anchor=\"\(anchor)\" font-size=\"11\">\(MarkupEscapes.escape(text))</text>"
    }

    /// Coordinates with one decimal, locale-independent, so the same report gives the same bytes.
    private static func format(_ value: Double) -> String {
        String(format: "%.1f", value.isFinite ? value : 0)
    }
}
