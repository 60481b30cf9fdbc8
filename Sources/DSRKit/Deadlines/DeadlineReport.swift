import DSRCore
import Foundation

/// Open requests that are overdue or due soon, and the 72-hour clocks of breaches not yet
/// notified, for `dsr deadlines` and the run summary.
public struct DeadlineReport: Sendable, Codable, Equatable {
    public var today: CalendarDay
    public var overdue: [Entry]
    public var dueSoon: [Entry]
    /// Breaches whose authority notification is still to be made, soonest due first.
    public var breaches: [BreachClock]
    /// Art. 19 notices sent longer ago than the configured days and not acknowledged or
    /// exempted, oldest first.
    public var unacknowledged: [Ledger.NoticeStatus]

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
        case today, overdue, dueSoon = "due_soon", breaches, unacknowledged = "unacknowledged_notices"
    }

    /// Sorts the open requests of `records` by their due days as of today: a clock paused
    /// for identification moves the day on, and a clock not yet started (the UK rule) has
    /// none.
    public init(records: [LedgerRequest], today: CalendarDay, withinDays days: Int, controller: Configuration.Controller,
                breaches: [BreachClock] = [], unacknowledged: [Ledger.NoticeStatus] = []) {
        self.today = today
        self.unacknowledged = unacknowledged
        self.breaches = breaches.sorted { ($0.dueAt, $0.id) < ($1.dueAt, $1.id) }
        let horizon = today.adding(days: days)
        let open = records.filter { !$0.state.isFinal }.compactMap { record in
            record.dueDay(today: today, controller: controller).map { (record: record, due: $0) }
        }.sorted { ($0.due, $0.record.id) < ($1.due, $1.record.id) }
        let entry = { (open: (record: LedgerRequest, due: CalendarDay)) in
            Entry(id: open.record.id, type: open.record.type.rawValue, state: open.record.state.rawValue, dueDate: open.due.description)
        }
        overdue = open.filter { $0.due < today }.map(entry)
        dueSoon = open.filter { (today...horizon).contains($0.due) }.map(entry)
    }

    /// 1 when anything is overdue, so cron mail or a monitor notices.
    public var exitStatus: ExitStatus { isOverdue ? .attentionNeeded : .success }

    /// Whether a request, a breach notification or a recipient's acknowledgement is overdue.
    public var isOverdue: Bool { !overdue.isEmpty || breaches.contains(where: \.overdue) || !unacknowledged.isEmpty }

    public func json() -> String { ReportJSON.text(self) }

    public var text: String {
        var lines = ["overdue: \(overdue.count)"]
        lines += overdue.map { "  \($0.id) \($0.type) (\($0.state)) was due \($0.dueDate)" }
        lines.append("due soon: \(dueSoon.count)")
        lines += dueSoon.map { "  \($0.id) \($0.type) (\($0.state)) due \($0.dueDate)" }
        if !breaches.isEmpty {
            lines.append("breaches to notify: \(breaches.count)")
            lines += breaches.map { clock in
                let hours = abs(clock.minutesRemaining) / 60, minutes = abs(clock.minutesRemaining) % 60
                let left = "\(hours) h \(minutes) min"
                return "  \(clock.id) due \(clock.dueAt) — " + (clock.overdue ? "OVERDUE by \(left)" : "\(left) left")
                    + (clock.status == .draft ? " (draft written, not yet received by the authority)" : " (not written)")
            }
        }
        if !unacknowledged.isEmpty {
            lines.append("recipient notices not acknowledged: \(unacknowledged.count)")
            lines += unacknowledged.map { notice in
                "  \(notice.requestID) \(notice.type) to \(notice.recipient), sent \(notice.notifiedAt.map(Timestamp.format) ?? "?") in \(notice.batch ?? "?")"
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// The 72-hour clock of a breach the authority has not yet been notified of (Art. 33(1)).
public struct BreachClock: Sendable, Codable, Equatable {
    public var id: String
    /// Awareness and the due instant, in the controller's time zone with its offset.
    public var awareAt: String
    public var dueAt: String
    /// Negative once overdue.
    public var minutesRemaining: Int
    public var overdue: Bool
    /// `not-written` or `draft`: a draft does not stop the clock.
    public var status: BreachRecord.AuthorityStatus

    enum CodingKeys: String, CodingKey {
        case id, awareAt = "aware_at", dueAt = "due_at", minutesRemaining = "minutes_remaining", overdue, status
    }

    /// The clocks of the breaches the authority has not received yet (drafts included).
    public static func open(_ records: [BreachRecord], now: Date, zone: TimeZone) -> [BreachClock] {
        all(records.filter { [.notWritten, .draft].contains($0.authorityStatus) }, now: now, zone: zone)
    }

    /// The clock of every breach, whatever its status.
    public static func all(_ records: [BreachRecord], now: Date, zone: TimeZone) -> [BreachClock] {
        records.map { record in
            BreachClock(id: record.breach.id, awareAt: Timestamp.format(record.breach.awareAt, in: zone),
                        dueAt: Timestamp.format(record.breach.notificationDueAt, in: zone),
                        minutesRemaining: record.minutesRemaining(at: now), overdue: record.isOverdue(at: now),
                        status: record.authorityStatus)
        }
    }
}
