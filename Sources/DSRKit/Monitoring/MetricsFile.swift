import DSRCore
import Foundation
import Prometheus

/// The metrics a monitoring system scrapes after each run (`metrics_file:`), in
/// Prometheus's text exposition format, for node_exporter's textfile collector: what is
/// open, late and coming due in the ledger, the breach clocks, and how the run went.
/// Counts and ids of breaches only, never personal data.
public struct MetricsFile {
    public var figures: StatusFigures
    public var run: RunSummary
    public var zone: TimeZone

    public init(figures: StatusFigures, run: RunSummary, zone: TimeZone) {
        self.figures = figures
        self.run = run
        self.zone = zone
    }

    /// The exposition text.
    public var text: String {
        let registry = PrometheusCollectorRegistry()
        /// A gauge named `dsr_<name>[_<unit>]`.
        func gauge(_ name: String, unit: String = "", _ labels: [(String, String)] = [], help: String, _ value: Double) {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "dsr", metricName: name, unitName: unit, helpText: help),
                               labels: labels).set(value)
        }
        for state in RequestState.allCases where !state.isFinal {
            for type in RequestType.allCases {
                gauge("requests_open", [("state", state.rawValue), ("type", type.rawValue)], help: "Open requests in the ledger, by state and type.",
                      Double(figures.counts.byStateAndType[state.rawValue]?[type.rawValue] ?? 0))
            }
        }
        gauge("requests_overdue", help: "Open requests past their due date.", Double(figures.deadlines.overdue.count))
        gauge("requests_due_within_7_days", help: "Open requests due from today to 7 days ahead.", Double(figures.deadlines.dueSoon.count))
        gauge("oldest_open_request_age", unit: "seconds", help: "Seconds since the oldest open request arrived (0 when none is open).",
              figures.oldestOpenReceivedAt.map { figures.generatedAt.timeIntervalSince($0).rounded() } ?? 0)
        if let next = figures.nextDueDate {
            gauge("next_due_timestamp", unit: "seconds", help: "Start of the earliest due day of an open request, in the controller's zone (Unix time).",
                  next.start(in: zone).timeIntervalSince1970)
        }
        for clock in figures.deadlines.breaches {
            gauge("breach_notification_minutes_remaining", [("breach", clock.id)],
                  help: "Minutes until the authority must have the breach notification (negative: overdue).", Double(clock.minutesRemaining))
        }
        gauge("last_run_timestamp", unit: "seconds", help: "When the last run finished (Unix time).", run.finishedAt.timeIntervalSince1970)
        gauge("last_run_duration", unit: "seconds", help: "Wall time of the last run.", run.finishedAt.timeIntervalSince(run.startedAt))
        for type in RequestType.allCases {
            gauge("last_run_requests_done", [("type", type.rawValue)], help: "Requests the last run answered or carried out, by type.",
                  Double(run.done[type.rawValue] ?? 0))
        }
        gauge("last_run_requests_failed", help: "Requests that failed in the last run.", Double(run.failed.count))
        gauge("last_run_files_rejected", help: "Inbox files the last run rejected.", Double(run.intake.rejected.count))
        gauge("last_run_exit_code", help: "The exit code of the last run.", Double(run.exitStatus.rawValue))
        return registry.emitToString()
    }

    /// Writes the file under a temporary name and renames it into place, as the textfile
    /// collector wants (it must never read half a file). Mode 0644, unlike every other
    /// output: it holds counts and breach ids only, and the collector runs as another user.
    public func write(to url: URL) throws {
        try DurableFile.createFolder(url.deletingLastPathComponent())
        try DurableFile.write(Data(text.utf8), to: url, permissions: 0o644)
    }
}
