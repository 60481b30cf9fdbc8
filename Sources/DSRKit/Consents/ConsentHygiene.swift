import Foundation

/// The nightly consent hygiene (a job step): consents past their stated duration are marked
/// expired, and the existing-customer exceptions that ended since the last pass are
/// counted (they need no marking: eligibility computes them from the relationships).
public struct ConsentHygiene {
    let context: RunContext
    let ledger: Ledger

    /// What a pass did, for the run report.
    public struct Outcome: Sendable, Codable, Equatable {
        public var consentsExpired: Int
        public var softOptInsEnded: Int

        enum CodingKeys: String, CodingKey {
            case consentsExpired = "consents_expired", softOptInsEnded = "soft_opt_ins_ended"
        }
    }

    /// Runs a pass; nil when the data map has no consents table.
    func run(now: Date) throws -> Outcome? {
        guard context.map.consents != nil else { return nil }
        let query = try ConsentQuery(map: context.map, store: context.store)
        let today = context.today(at: now)
        let expired = try context.store.execute([query.expire(today: today, at: now)]).reduce(0, +)
        var ended = 0
        let since = min(try ledger.lastConsentHygieneDay() ?? today.adding(days: -1), today)
        if let statement = query.softOptInsEnded(since..<today) {
            try context.store.fetch(statement) { row in ended = row[0].count }
        }
        try ledger.recordConsentHygiene(day: today, expired: expired, softOptInsEnded: ended, now: now)
        return Outcome(consentsExpired: expired, softOptInsEnded: ended)
    }
}
