import DSRCore
import DSRKit
import Foundation

/// The figures the bench prints.
struct Report {
    let customers: Int
    let requests: Int
    /// The store kind the night ran on; the floor is always the sqlite3 shell on SQLite.
    let store: String
    let generationSeconds: Double?
    /// With PostgreSQL: loading the generated shop into it.
    let loadSeconds: Double?
    let child: ChildRun.Figures
    let floorSeconds: Double
    /// The floor with each answer written to a file of its own.
    let floorWritingFilesSeconds: Double

    func print() {
        let summary = child.summary
        func line(_ label: String, _ value: String) { Swift.print(label.padding(toLength: 40, withPad: " ", startingAt: 0) + value) }
        if let generationSeconds { line("store generation", String(format: "%.1f s", generationSeconds)) }
        if let loadSeconds { line("postgres load", String(format: "%.1f s", loadSeconds)) }
        line("store", store)
        for phase in NightPhase.allCases {
            line("  \(phase.label)", String(format: "%.2f s", summary.phaseSeconds[phase] ?? 0))
        }
        line("nightly run (wall)", String(format: "%.2f s", child.wallSeconds))
        line("requests per second", String(format: "%.0f", Double(requests) / child.wallSeconds))
        line("done", summary.done.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
             + " (\(summary.noDataHeld) no data held)")
        line("store rows read / written", "\(summary.rowsRead) / \(summary.rowsWritten)")
        line("peak resident memory", String(format: "%.0f MB", Double(child.peakResidentBytes) / 1_000_000))
        line("sqlite3 floor (same lookups, erasures)", String(format: "%.2f s", floorSeconds))
        line("dsr / floor", String(format: "%.2f×", child.wallSeconds / floorSeconds))
        line("sqlite3 floor writing a file per answer", String(format: "%.2f s", floorWritingFilesSeconds))
        line("dsr / floor writing files", String(format: "%.2f×", child.wallSeconds / floorWritingFilesSeconds))
    }
}
