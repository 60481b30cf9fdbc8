import Foundation

extension BreachRecord {
    /// One line for `dsr breach list`.
    public func line(now: Date, zone: TimeZone) -> String {
        "\(breach.id)  aware \(Timestamp.format(breach.awareAt, in: zone))  \(status(now: now, zone: zone))  "
            + "\(measurement.people) people  risk \(assessedRisk?.rawValue ?? "\(proposal.level.rawValue) (proposed)")  \(breach.title)"
    }

    /// Where the breach stands with the authority.
    public func status(now: Date, zone: TimeZone) -> String {
        if finalAt != nil { return "closed" }
        if !breach.notifyAuthority { return "not notified (by decision)" }
        if let notifiedAt { return "notified \(Timestamp.format(notifiedAt, in: zone))" + (notifiedLate ? " (late)" : "") }
        return isOverdue(at: now) ? "OVERDUE since \(Timestamp.format(breach.notificationDueAt, in: zone))"
            : "due \(Timestamp.format(breach.notificationDueAt, in: zone))"
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
            lines.append("people: \(communication.rawValue)" + (letters.map { ", \($0) letters" } ?? "")
                         + (communicationDetail.map { " — \($0)" } ?? ""))
        }
        lines += reports.map { "report: \($0.phase.rawValue) \($0.format.rawValue) version \($0.version) at \(Timestamp.format($0.writtenAt, in: zone))\($0.late ? " (late)" : ""): \($0.file)" }
        return lines.joined(separator: "\n")
    }
}
