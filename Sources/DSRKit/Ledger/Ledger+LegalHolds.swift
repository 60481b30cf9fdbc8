import DSRCore
import Foundation
import GRDB

extension Ledger {
    /// A legal-claims hold (Art. 17(3)(e)): while it stands, nothing of the person is erased.
    public struct LegalHold: Sendable, Codable, Equatable {
        public var id: Int64
        public var subjectReference: String
        public var reason: String
        public var placedAt: Date
        public var liftedAt: Date?

        enum CodingKeys: String, CodingKey {
            case id, subjectReference = "subject_reference", reason, placedAt = "placed_at", liftedAt = "lifted_at"
        }
    }

    /// Places a hold on a subject, known by its reference under every key, the current
    /// key's first; one that already stands is left as it is.
    @discardableResult
    public func placeLegalHold(subjectReferences references: [String], reason: String, now: Date) throws -> LegalHold {
        try write { db in
            if let standing = try Self.standingHold(references, db) { return standing }
            try db.execute(sql: "INSERT INTO legal_hold (subject_reference, reason, placed_at) VALUES (?, ?, ?)",
                           arguments: [references[0], reason, now])
            let id = db.lastInsertedRowID
            for reference in references {
                try db.execute(sql: "INSERT INTO legal_hold_reference (reference, hold_id) VALUES (?, ?)", arguments: [reference, id])
            }
            try appendAudit(db, action: "legal-hold placed", subjectReference: references[0], at: now)
            return LegalHold(id: id, subjectReference: references[0], reason: reason, placedAt: now, liftedAt: nil)
        }
    }

    /// Lifts the standing hold on a subject and returns it; nil when there was none.
    public func liftLegalHold(subjectReferences references: [String], now: Date) throws -> LegalHold? {
        try write { db in
            guard var standing = try Self.standingHold(references, db) else { return nil }
            try db.execute(sql: "UPDATE legal_hold SET lifted_at = ? WHERE id = ?", arguments: [now, standing.id])
            try appendAudit(db, action: "legal-hold lifted", subjectReference: standing.subjectReference, at: now)
            standing.liftedAt = now
            return standing
        }
    }

    /// The hold standing on a subject known by any of these references, if any.
    public func standingLegalHold(subjectReferences references: [String]) throws -> LegalHold? {
        try read { db in try Self.standingHold(references, db) }
    }

    /// Every hold, standing or lifted, newest first.
    public func legalHolds() throws -> [LegalHold] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM legal_hold ORDER BY placed_at DESC, id DESC").map(Self.hold) }
    }

    private static func standingHold(_ references: [String], _ db: Database) throws -> LegalHold? {
        try Row.fetchOne(db, sql: """
            SELECT legal_hold.* FROM legal_hold JOIN legal_hold_reference ON legal_hold_reference.hold_id = legal_hold.id
            WHERE legal_hold_reference.reference IN (\(databaseQuestionMarks(count: references.count))) AND lifted_at IS NULL
            LIMIT 1
            """, arguments: StatementArguments(references)).map(hold)
    }

    private static func hold(_ row: Row) -> LegalHold {
        LegalHold(id: row["id"], subjectReference: row["subject_reference"], reason: row["reason"],
                  placedAt: row["placed_at"], liftedAt: row["lifted_at"])
    }
}
