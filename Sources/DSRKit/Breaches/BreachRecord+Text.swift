import DSRCore
import Foundation

extension BreachRecord {
    /// One line for `dsr breach list`.
    public func line(now: Date, zone: TimeZone) -> String {
        "\(breach.id)  aware \(Timestamp.format(breach.awareAt, in: zone))  \(status(now: now, zone: zone))  "
            + "\(measurement.people) people  risk \(assessedRisk?.rawValue ?? "\(proposal.level.rawValue) (proposed)")  \(breach.title)"
    }

    /// Where the breach stands with the authority.
    public func status(now: Date, zone: TimeZone) -> String {
        let due = Timestamp.format(breach.notificationDueAt, in: zone)
        switch authorityStatus {
        case .closed: return "closed (final notification received \(Timestamp.format(finalAt!, in: zone)))"
        case .notToBeNotified: return "not notified (by decision)"
        case .submitted:
            return "notified: received \(Timestamp.format(notifiedAt!, in: zone))" + (notifiedLate ? " (late)" : "")
                + (authorityReference.map { ", case \($0)" } ?? "")
        case .draft, .notWritten:
            let written = authorityStatus == .draft ? "draft written, not submitted" : "not written"
            return isOverdue(at: now) ? "OVERDUE since \(due) (\(written))" : "due \(due) (\(written))"
        }
    }

    /// The whole record for `dsr breach show`.
    public func details(now: Date, zone: TimeZone) -> String {
        var lines = [
            "\(breach.id): \(breach.title) (version \(version))",
            "status: \(status(now: now, zone: zone))",
            "aware: \(Timestamp.format(breach.awareAt, in: zone)); notification due \(Timestamp.format(breach.notificationDueAt, in: zone))",
            "types: \(breach.types.map(\.rawValue).joined(separator: ", ")); cause: \(breach.cause.rawValue)",
            "affected: about \(measurement.people) people, \(measurement.records) records; categories: "
                + (measurement.categories.isEmpty ? "none" : measurement.categories.map(\.rawValue).joined(separator: ", ")),
        ]
        if !measurement.specialCategories.isEmpty {
            lines.append("SPECIAL CATEGORIES (Art. 9/10): \(measurement.specialCategories.map(\.rawValue).joined(separator: ", "))")
        }
        lines += measurement.tables.map { "  \($0.table): \($0.records) records, \($0.people) people" }
        if measurement.identitiesListed > 0 {
            lines.append("identities listed: \(measurement.identitiesListed), naming no one in the store: \(measurement.identitiesUnmatched)")
        }
        lines.append("proposed risk: \(proposal.level.rawValue) — \(proposal.reasons.joined(separator: "; "))")
        if let assessedRisk {
            lines.append("assessed risk: \(assessedRisk.rawValue)" + (assessmentReason.map { " — \($0)" } ?? ""))
        }
        if !breach.notifyAuthority { lines.append("not notified because: \(breach.reasonNotNotified ?? "")") }
        if let communication {
            lines.append("people: \(communication.rawValue)" + (letters.map { ", \($0) letters prepared (none sent by dsr)" } ?? "")
                         + (communicationDetail.map { " — \($0)" } ?? ""))
        }
        lines += reports.map { "draft: \($0.phase.rawValue) \($0.format.rawValue) version \($0.version) at \(Timestamp.format($0.writtenAt, in: zone))\($0.late ? " (late)" : ""): \($0.file)" }
        lines += submissions.map { submission in
            "submitted: \(submission.phase.rawValue) received \(Timestamp.format(submission.submittedAt, in: zone))"
                + (submission.channel.map { " via \($0)" } ?? "") + (submission.reference.map { ", case \($0)" } ?? "")
                + (submission.late ? " (late)" : "")
        }
        return lines.joined(separator: "\n")
    }
}
