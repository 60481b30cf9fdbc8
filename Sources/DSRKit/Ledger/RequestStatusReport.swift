import DSRCore
import Foundation

/// The requests of the ledger as `dsr status` shows them: no identities, only ids, types,
/// states, dates and reasons.
public struct RequestStatusReport: Sendable {
    public var rows: [Row]

    public struct Row: Sendable, Codable, Equatable {
        public var id: String
        public var type: String
        public var state: String
        public var receivedAt: String
        public var dueDate: String
        public var reason: String?

        enum CodingKeys: String, CodingKey {
            case id, type, state, receivedAt = "received_at", dueDate = "due_date", reason
        }
    }

    public init(_ records: [LedgerRequest]) {
        rows = records.map {
            Row(id: $0.id, type: $0.type.rawValue, state: $0.state.rawValue,
                receivedAt: Timestamp.format($0.receivedAt), dueDate: $0.dueDate, reason: $0.stateReason)
        }
    }

    public func json() -> String { ReportJSON.text(["requests": rows]) }

    /// Aligned columns, one request a line.
    public var text: String {
        guard !rows.isEmpty else { return "no requests" }
        let header = ["ID", "TYPE", "STATE", "RECEIVED", "DUE", "REASON"]
        let cells = rows.map { [$0.id, $0.type, $0.state, $0.receivedAt, $0.dueDate, $0.reason ?? ""] }
        let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max()! }
        return ([header] + cells).map { line in
            line.enumerated().map { index, cell in
                index == line.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
