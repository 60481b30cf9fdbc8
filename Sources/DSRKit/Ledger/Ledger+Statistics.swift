import DSRCore
import Foundation
import GRDB

extension Ledger {
    /// A recorded run, as the status page charts it.
    public struct RunRecord: Sendable {
        public var startedAt: Date
        /// Nil for a run that did not finish (killed, or still running).
        public var finishedAt: Date?
        /// Requests answered or carried out.
        public var requestsDone = 0
        /// Requests that failed.
        public var requestsFailed = 0
    }

    /// The part of a recorded run summary the statistics read: every version of dsr wrote it.
    private struct RecordedSummary: Decodable {
        var done: [String: Int]?
        var failed: [RunSummary.Entry]?
    }

    /// The runs started at or after `start`, oldest first.
    public func runs(since start: Date) throws -> [RunRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT started_at, finished_at, summary FROM run WHERE started_at >= ? ORDER BY id",
                             arguments: [start.ledgerValue]).map { row in
                let text: String? = row["summary"]
                let summary = text.flatMap { try? JSONDecoder().decode(RecordedSummary.self, from: Data($0.utf8)) }
                return RunRecord(startedAt: row["started_at"], finishedAt: summary == nil ? nil : row["finished_at"],
                                 requestsDone: summary?.done?.values.reduce(0, +) ?? 0, requestsFailed: summary?.failed?.count ?? 0)
            }
        }
    }

    /// How many requests of each type arrived between consecutive `boundaries` (ascending
    /// instants): element i counts receipts in [boundaries[i], boundaries[i+1]). One pass
    /// over the receipts of the whole span, whatever the number of periods.
    public func receivedCounts(between boundaries: [Date]) throws -> [[RequestType: Int]] {
        guard boundaries.count > 1 else { return [] }
        return try read { db in
            let values = boundaries.map(\.ledgerValue)
            let period = (1..<values.count).map { "WHEN received_at < ? THEN \($0 - 1)" }.joined(separator: " ")
            var counts = Array(repeating: [RequestType: Int](), count: values.count - 1)
            let rows = try Row.fetchAll(db, sql: """
                SELECT CASE \(period) END AS period, type, count(*) AS n FROM request
                WHERE received_at >= ? AND received_at < ? GROUP BY period, type
                """, arguments: StatementArguments(values.dropFirst() + [values.first!, values.last!]))
            for row in rows {
                guard let type = RequestType(rawValue: row["type"]) else { continue }
                counts[row["period"]][type] = row["n"]
            }
            return counts
        }
    }
}
