import DSRCore
import Foundation

extension BreachRecord {
    /// Where the breach stands with the authority, for machines.
    public enum AuthorityStatus: String, Sendable, Codable {
        /// `notify_authority: false`, with the reason recorded.
        case notToBeNotified = "not-to-be-notified"
        /// No initial notification written yet.
        case notWritten = "not-written"
        /// The initial notification is written but the authority has not received it.
        case draft
        /// The authority received the initial notification; follow-ups may come.
        case submitted
        /// The authority received the final notification.
        case closed
    }

    public var authorityStatus: AuthorityStatus {
        if !breach.notifyAuthority { return .notToBeNotified }
        if finalAt != nil { return .closed }
        if notifiedAt != nil { return .submitted }
        return reports.contains { $0.phase == .initial } ? .draft : .notWritten
    }

    /// Whole minutes until the notification is due; negative once it is past.
    public func minutesRemaining(at now: Date) -> Int {
        Int((breach.notificationDueAt.timeIntervalSince(now) / 60).rounded(.down))
    }
}

/// A breach as `breach show --json` and `breach list --json` print it: the record, and
/// what the text shows beside it — the due instant, the clock, the status and each phase
/// written and received.
public struct BreachStatusReport: Encodable {
    public let record: BreachRecord
    public let now: Date
    public let zone: TimeZone

    public init(record: BreachRecord, now: Date, zone: TimeZone) {
        self.record = record
        self.now = now
        self.zone = zone
    }

    enum CodingKeys: String, CodingKey {
        case dueAt = "due_at", minutesRemaining = "minutes_remaining", status, overdue, phases, authorityReference = "authority_reference"
    }

    /// One phase: how many drafts were written and whether the authority received it.
    struct Phase: Encodable {
        var phase: BreachReportPhase
        var drafts: Int
        var submitted: BreachRecord.Submission?
    }

    public func encode(to encoder: Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Timestamp.format(record.breach.notificationDueAt, in: zone), forKey: .dueAt)
        try container.encode(record.minutesRemaining(at: now), forKey: .minutesRemaining)
        try container.encode(record.authorityStatus, forKey: .status)
        try container.encode(record.isOverdue(at: now), forKey: .overdue)
        try container.encodeIfPresent(record.authorityReference, forKey: .authorityReference)
        try container.encode(BreachReportPhase.allCases.map { phase in
            Phase(phase: phase, drafts: record.reports.filter { $0.phase == phase }.count, submitted: record.submission(phase))
        }, forKey: .phases)
    }
}
