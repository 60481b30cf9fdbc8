import Foundation

/// Open requests that are overdue or due soon, for `dsr deadlines` and the run summary.
public struct DeadlineReport: Sendable, Codable, Equatable {
    public var today: CalendarDay
    public var overdue: [Entry]
    public var dueSoon: [Entry]

    public struct Entry: Sendable, Codable, Equatable {
        public var id: String
        public var type: String
        public var state: String
        public var dueDate: String

        enum CodingKeys: String, CodingKey {
            case id, type, state, dueDate = "due_date"
        }
    }

    enum CodingKeys: String, CodingKey {
        case today, overdue, dueSoon = "due_soon"
    }

    /// Sorts the open requests of `records` by their due dates against today.
    public init(records: [LedgerRequest], today: CalendarDay, withinDays days: Int) {
        self.today = today
        let horizon = today.adding(days: days)
        let open = records.filter { !$0.state.isFinal }.sorted { ($0.dueDate, $0.id) < ($1.dueDate, $1.id) }
        let entry = { (record: LedgerRequest) in
            Entry(id: record.id, type: record.type.rawValue, state: record.state.rawValue, dueDate: record.dueDate)
        }
        overdue = open.filter { CalendarDay(iso: $0.dueDate)! < today }.map(entry)
        dueSoon = open.filter { (today...horizon).contains(CalendarDay(iso: $0.dueDate)!) }.map(entry)
    }

    /// 1 when anything is overdue, so cron mail or a monitor notices.
    public var exitStatus: ExitStatus { overdue.isEmpty ? .success : .attentionNeeded }

    public func json() -> String { ReportJSON.text(self) }

    public var text: String {
        var lines = ["overdue: \(overdue.count)"]
        lines += overdue.map { "  \($0.id) \($0.type) (\($0.state)) was due \($0.dueDate)" }
        lines.append("due soon: \(dueSoon.count)")
        lines += dueSoon.map { "  \($0.id) \($0.type) (\($0.state)) due \($0.dueDate)" }
        return lines.joined(separator: "\n")
    }
}
