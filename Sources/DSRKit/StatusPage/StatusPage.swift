import DSRCore
import Foundation
import Mustache

/// The privacy officer's status page: one self-contained HTML file (inline CSS and SVG,
/// no scripts, no external resources) in the controller's default language, with request
/// ids only.
public struct StatusPage {
    public var figures: StatusFigures
    public var controller: Configuration.Controller

    public init(figures: StatusFigures, controller: Configuration.Controller) {
        self.figures = figures
        self.controller = controller
    }

    /// The shipped template and labels, in the package's resources.
    static var resources: URL { Bundle.module.resourceURL!.appendingPathComponent("StatusPage", isDirectory: true) }

    /// Writes the page to `url` (0600, renamed into place), creating its folder.
    public func write(to url: URL) throws {
        try DurableFile.createFolder(url.deletingLastPathComponent())
        try DurableFile.write(Data(try html().utf8), to: url)
    }

    /// The page's HTML.
    public func html() throws -> String {
        let language = controller.languages[0]
        let phrases = PhraseBook(try LetterTemplates.phraseFile(Self.resources.appendingPathComponent("phrases/\(language.rawValue).yaml")))
        let text = try String(contentsOf: Self.resources.appendingPathComponent("status.mustache"), encoding: .utf8)
        let template: MustacheTemplate
        do {
            template = try MustacheTemplate(string: text)
        } catch {
            throw DSRError(.software, "the shipped status page template cannot be read (\(error))")
        }
        return template.render(values(phrases, style: LetterStyle(language: language, zone: controller.timeZone)))
    }

    private func values(_ phrases: PhraseBook, style: LetterStyle) -> [String: Any] {
        let label = { (prefix: String, code: String) in phrases.text(prefix + code.replacingOccurrences(of: "-", with: "_")) }
        let counts = figures.counts
        let states = RequestState.allCases.filter { counts.byState[$0.rawValue] != nil }
        let openCount = RequestState.allCases.filter { !$0.isFinal }.reduce(0) { $0 + (counts.byState[$1.rawValue] ?? 0) }
        let entry = { (entry: DeadlineReport.Entry) -> [String: Any] in
            ["id": entry.id, "type": label("type_", entry.type), "state": label("state_", entry.state),
             "due": CalendarDay(iso: entry.dueDate).map(style.day) ?? entry.dueDate]
        }
        let deadlines = figures.deadlines
        return [
            "t": phrases,
            "lang": controller.languages[0].rawValue,
            "controller": controller.name,
            "written": style.dateTime(figures.generatedAt),
            "open": openCount,
            "overdue_count": deadlines.overdue.count,
            "overdue_alert": !deadlines.overdue.isEmpty,
            "due_soon_count": deadlines.dueSoon.count,
            "needs_review": counts.byState[RequestState.needsReview.rawValue] ?? 0,
            "breaches_on_clock": deadlines.breaches.count,
            "breaches_overdue": deadlines.breaches.contains(where: \.overdue),
            "recipient_notices_awaiting": figures.recipientNoticesAwaiting,
            "recipient_notices_overdue": !deadlines.unacknowledged.isEmpty,
            "types": RequestType.allCases.map { type -> [String: Any] in
                ["code": type.rawValue, "name": label("type_", type.rawValue), "total": counts.byType[type.rawValue] ?? 0]
            },
            "states": states.map { state -> [String: Any] in
                ["code": state.rawValue, "name": label("state_", state.rawValue), "total": counts.byState[state.rawValue] ?? 0,
                 "cells": RequestType.allCases.map { type -> [String: Any] in
                     ["state": state.rawValue, "type": type.rawValue, "count": counts.byStateAndType[state.rawValue]?[type.rawValue] ?? 0]
                 }]
            },
            "total": counts.total,
            "has_details_deleted": figures.detailsDeleted > 0,
            "details_deleted": figures.detailsDeleted,
            "has_overdue": !deadlines.overdue.isEmpty,
            "overdue": deadlines.overdue.map(entry),
            "has_due_soon": !deadlines.dueSoon.isEmpty,
            "due_soon": deadlines.dueSoon.map(entry),
            "has_breaches": !figures.breaches.isEmpty,
            "breaches": figures.breaches.map { clock -> [String: Any] in
                let minutes = abs(clock.minutesRemaining)
                let span = "\(minutes / 60) h \(minutes % 60) min"
                let running = [.notWritten, .draft].contains(clock.status)
                return ["id": clock.id, "aware": Timestamp.parse(clock.awareAt).map(style.dateTime) ?? clock.awareAt,
                        "due": Timestamp.parse(clock.dueAt).map(style.dateTime) ?? clock.dueAt,
                        "status_code": clock.status.rawValue, "status": label("breach_", clock.status.rawValue),
                        "overdue": clock.overdue,
                        "clock": !running ? "–" : clock.overdue ? "\(phrases.text("overdue_by")) \(span)" : "\(span) \(phrases.text("left"))"]
            },
            "ageing_chart": ageingChart(phrases).svg,
            "timeline_chart": timelineChart(phrases).svg,
            "requests_chart": dayChart(id: "requests", title: phrases.text("requests_chart")) { Double($0.requestsDone) }.svg,
            "duration_chart": dayChart(id: "duration", title: phrases.text("duration_chart"), counts: false) { $0.seconds }.svg,
            "failures_chart": dayChart(id: "failures", title: phrases.text("failures_chart")) { Double($0.failures) }.svg,
            "months_chart": monthsChart(phrases, label: label).svg,
            "legend": RequestType.allCases.enumerated().map { index, type -> [String: Any] in
                ["name": label("type_", type.rawValue), "color": SVGBarChart.palette[index % SVGBarChart.palette.count]]
            },
            "months": figures.months.map { month -> [String: Any] in
                ["month": month.month, "cells": RequestType.allCases.map { month.byType[$0] ?? 0 }, "total": month.total]
            },
        ]
    }

    /// Listed in words, for the chart's description: "0–6: 3, 7–13: 0, …".
    private static func described(_ buckets: [StatusFigures.Bucket]) -> String {
        buckets.map { "\($0.label): \($0.count)" }.joined(separator: ", ")
    }

    private func ageingChart(_ phrases: PhraseBook) -> SVGBarChart {
        SVGBarChart(id: "ageing", title: phrases.text("ageing_heading"),
                    summary: "\(phrases.text("ageing_summary")) \(Self.described(figures.ageing))",
                    bars: figures.ageing.map { .init(label: $0.label, values: [Double($0.count)]) })
    }

    private func timelineChart(_ phrases: PhraseBook) -> SVGBarChart {
        let buckets = figures.dueTimeline.map { bucket in
            StatusFigures.Bucket(label: CalendarDay(iso: bucket.label).map { "\($0.day)/\($0.month)" } ?? bucket.label, count: bucket.count)
        }
        return SVGBarChart(id: "timeline", title: phrases.text("timeline_heading"),
                           summary: "\(phrases.text("timeline_summary")) \(Self.described(buckets))",
                           bars: buckets.map { .init(label: $0.label, values: [Double($0.count)]) }, labelEvery: 5)
    }

    private func dayChart(id: String, title: String, counts: Bool = true,
                          value: (StatusFigures.RunDay) -> Double) -> SVGBarChart {
        let bars = figures.days.map { SVGBarChart.Bar(label: "\($0.day.day)/\($0.day.month)", values: [value($0)]) }
        let busy = figures.days.filter { value($0) > 0 }
        return SVGBarChart(id: id, title: title,
                           summary: "\(title): " + (busy.isEmpty ? "0" : busy.map { "\($0.day): \(Self.number(value($0)))" }.joined(separator: ", ")),
                           bars: bars, labelEvery: 15, counts: counts, format: Self.number, width: 900, height: 160)
    }

    private func monthsChart(_ phrases: PhraseBook, label: (String, String) -> String) -> SVGBarChart {
        SVGBarChart(id: "months", title: phrases.text("months_heading"),
                    summary: "\(phrases.text("months_summary")) " + figures.months.map { "\($0.month): \($0.total)" }.joined(separator: ", "),
                    bars: figures.months.map { month in .init(label: month.month, values: RequestType.allCases.map { Double(month.byType[$0] ?? 0) }) },
                    seriesNames: RequestType.allCases.map { label("type_", $0.rawValue) }, labelEvery: 2, width: 900, height: 260)
    }

    private static func number(_ value: Double) -> String {
        value.rounded() == value || value >= 10 ? String(Int(value.rounded())) : String(format: "%g", value)
    }
}
