import DSRCore
import Foundation

/// The nightly consent hygiene (a job step): consents past their stated duration are marked
/// expired, and the existing-customer exceptions that ended since the last pass are
/// counted (they need no marking: eligibility computes them from the relationships).
public struct ConsentHygiene: Sendable {
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

    /// The segment of the data map that holds the consents table, which may be a store of
    /// its own; nil when the map has none.
    private var consents: StoreSet.Bound? { context.stores.segments.first { $0.map.consents != nil } }

    /// The store the customer relationships are read from: the subject table's, wherever
    /// the consents are kept.
    var store: CustomerStore { context.store }

    /// Marks consents past their stated duration expired (a write, so it is done before the
    /// night's changes); nil when the data map has no consents table.
    func expire(now: Date) throws -> Int? {
        guard let consents else { return nil }
        let query = try ConsentQuery(map: consents.map, store: consents.store)
        return try consents.store.execute([query.expire(today: context.today(at: now), at: now)]).reduce(0, +)
    }

    /// Counts the existing-customer exceptions that ended since the last pass, reading
    /// through `store` (a read of a day window of every relationship row: most of the pass
    /// at a million customers), and records the pass. The night reads through a snapshot
    /// taken before its changes, so they are not counted.
    func finish(expired: Int, now: Date, reading store: CustomerStore) throws -> Outcome {
        guard let consents, let definition = consents.map.consents else { return Outcome(consentsExpired: expired, softOptInsEnded: 0) }
        let primary = context.stores.segments[0]
        let query = consents.map.subject.table == primary.map.subject.table
            ? try ConsentQuery(map: consents.map, store: consents.store)
            : try ConsentQuery(subjectsOf: primary.map, consents: definition, consentTable: consents.map.table(named: definition.table)!,
                               store: primary.store)
        let today = context.today(at: now)
        var ended = 0
        let since = min(try ledger.lastConsentHygieneDay() ?? today.adding(days: -1), today)
        if let statement = query.softOptInsEnded(since..<today) {
            try store.fetch(statement) { row in ended = row[0].count }
        }
        try ledger.recordConsentHygiene(day: today, expired: expired, softOptInsEnded: ended, now: now)
        return Outcome(consentsExpired: expired, softOptInsEnded: ended)
    }
}
