import DSRCore
import Foundation
import GRDB

/// An Art. 18(3) lift of a restriction: announced to the person (the letter), then carried
/// out on the store, then recorded as lifted.
public struct RestrictionLiftRecord: Sendable, Equatable {
    public var requestID: String
    /// The officer's reason, told to the person; replaced under the ledger's retention.
    public var reason: String
    public var announcedAt: Date
    public var liftedAt: Date?
}

extension Ledger {
    /// Announces the lift of the restriction `id` set: a completed restriction request, not
    /// lifted before. An announcement a stopped command left is returned as it is, so the
    /// command run again finishes it. The audit trail says a reason was given, not which.
    public func announceRestrictionLift(_ id: String, reason: String, now: Date) throws -> (request: LedgerRequest, lift: RestrictionLiftRecord) {
        try write { db in
            guard let record = try LedgerRequest.fetchOne(db, sql: "SELECT * FROM request WHERE id = ?", arguments: [id]) else {
                throw DSRError.badInput("no request '\(id)'")
            }
            guard record.type == .restriction, record.state == .completed else {
                throw DSRError.badInput("request '\(id)' is a \(record.type.rawValue) request, \(record.state.rawValue): only a completed restriction can be lifted")
            }
            if let lift = try Self.restrictionLift(id, db) {
                guard lift.liftedAt == nil else { throw DSRError.badInput("the restriction of request '\(id)' was lifted already") }
                return (record, lift)
            }
            try db.execute(sql: "INSERT INTO restriction_lift (request_id, reason, announced_at) VALUES (?, ?, ?)",
                           arguments: [id, reason, now.ledgerValue])
            try appendAudit(db, action: "restriction lift announced", requestID: id, subjectReference: record.subjectReference,
                            detail: "reason given", at: now)
            return (record, RestrictionLiftRecord(requestID: id, reason: reason, announcedAt: now, liftedAt: nil))
        }
    }

    /// Records the restriction of `id` as lifted, with how many rows were unmarked.
    public func markRestrictionLifted(_ id: String, rows: Int, now: Date) throws {
        try write { db in
            try db.execute(sql: "UPDATE restriction_lift SET lifted_at = ? WHERE request_id = ? AND lifted_at IS NULL",
                           arguments: [now.ledgerValue, id])
            try appendAudit(db, action: "restriction lifted", requestID: id, detail: "\(rows) row(s) unmarked", at: now)
        }
    }

    /// The lift of the restriction request `id`, if one was announced.
    public func restrictionLift(_ id: String) throws -> RestrictionLiftRecord? {
        try read { db in try Self.restrictionLift(id, db) }
    }

    private static func restrictionLift(_ id: String, _ db: Database) throws -> RestrictionLiftRecord? {
        try Row.fetchOne(db, sql: "SELECT reason, announced_at, lifted_at FROM restriction_lift WHERE request_id = ?", arguments: [id]).map { row in
            RestrictionLiftRecord(requestID: id, reason: row["reason"], announcedAt: row["announced_at"], liftedAt: row["lifted_at"])
        }
    }

    /// The rows of the person erasure deferred under a hold and has not erased yet: their
    /// restriction marks the hold, which a lifted Art. 18 restriction leaves in place. Keys
    /// as `encodeKey` writes them, by table.
    func heldRowKeys(subjectReferences: [String]) throws -> [String: Set<String>] {
        guard !subjectReferences.isEmpty else { return [:] }
        return try read { db in
            var keys: [String: Set<String>] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT table_name, row_key FROM deferred_erasure
                WHERE erased_at IS NULL AND subject_reference IN (\(subjectReferences.map { _ in "?" }.joined(separator: ", ")))
                """, arguments: StatementArguments(subjectReferences))
            while let row = try rows.next() { keys[row["table_name"], default: []].insert(row["row_key"]) }
            return keys
        }
    }
}
