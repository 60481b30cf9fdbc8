import DSRCore
import Foundation

/// The requests of the ledger as `dsr status` shows them: no identities, only ids, types,
/// states, dates and reasons, times in the controller's zone, and the counts by state and
/// type of every request the filter selected.
public struct RequestStatusReport: Sendable {
    public var counts: RequestCounts?
    public var rows: [Row]
    /// Art. 19: what the recipients of the person's data were told, and where each stands
    /// (shown for one request).
    public var notices: [Ledger.NoticeStatus] = []

    public struct Row: Sendable, Codable, Equatable {
        public var id: String
        public var type: String
        public var state: String
        public var receivedAt: String
        public var dueDate: String
        public var reason: String?
        /// When the ledger's retention deleted the request's details; nil while it has them.
        public var detailsDeletedAt: String?

        enum CodingKeys: String, CodingKey {
            case id, type, state, receivedAt = "received_at", dueDate = "due_date", reason
            case detailsDeletedAt = "details_deleted_at"
        }
    }

    /// The listing of `records`, with `counts` on top when there are any.
    public init(_ records: [LedgerRequest], counts: RequestCounts? = nil, zone: TimeZone) {
        self.counts = counts
        rows = records.map {
            Row(id: $0.id, type: $0.type.rawValue, state: $0.state.rawValue,
                receivedAt: Timestamp.format($0.receivedAt, in: zone), dueDate: $0.dueDate,
                reason: $0.purgedAt == nil ? $0.stateReason : "details deleted under the ledger's retention",
                detailsDeletedAt: $0.purgedAt.map { Timestamp.format($0, in: zone) })
        }
    }

    private struct Document: Encodable {
        var counts: RequestCounts?
        var requests: [Row]
        var recipientNotices: [Ledger.NoticeStatus]?

        enum CodingKeys: String, CodingKey {
            case counts, requests, recipientNotices = "recipient_notices"
        }
    }

    public func json() -> String {
        ReportJSON.text(Document(counts: counts, requests: rows, recipientNotices: notices.isEmpty ? nil : notices))
    }

    /// The counts, then aligned columns, one request a line.
    public var text: String {
        var lines: [String] = []
        if let counts {
            let listed = { (numbers: [String: Int]) in
                numbers.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }.joined(separator: " · ")
            }
            lines.append("\(counts.total) request\(counts.total == 1 ? "" : "s")"
                         + (rows.count < counts.total ? ", \(rows.count) shown" : ""))
            if counts.total > 0 {
                lines.append("  by state: " + listed(counts.byState))
                lines.append("  by type:  " + listed(counts.byType))
            }
            lines.append("")
        }
        guard !rows.isEmpty else { return (lines + ["no requests"]).joined(separator: "\n") }
        let header = ["ID", "TYPE", "STATE", "RECEIVED", "DUE", "REASON"]
        let cells = rows.map { [$0.id, $0.type, $0.state, $0.receivedAt, $0.dueDate, $0.reason ?? ""] }
        let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max()! }
        lines += ([header] + cells).map { line in
            line.enumerated().map { index, cell in
                index == line.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        if !notices.isEmpty {
            lines.append("recipients told (Art. 19):")
            lines += notices.map { notice in
                var line = "  \(notice.recipient): \(notice.state)"
                if let batch = notice.batch, let at = notice.notifiedAt { line += "; sent \(Timestamp.format(at)) in \(batch)" }
                if let at = notice.acknowledgedAt { line += "; acknowledged \(Timestamp.format(at)) by \(notice.acknowledgedVia ?? "")" }
                if let at = notice.exemptedAt { line += "; exempted \(Timestamp.format(at)): \(notice.exemptionReason ?? "")" }
                return line
            }
        }
        return lines.joined(separator: "\n")
    }
}
