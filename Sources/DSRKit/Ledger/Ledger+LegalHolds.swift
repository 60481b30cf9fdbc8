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

    /// Places a hold on a subject; one that already stands is left as it is.
    @discardableResult
    public func placeLegalHold(subjectReference: String, reason: String, now: Date) throws -> LegalHold {
        try write { db in
            if let standing = try Self.standingHold(subjectReference, db) { return standing }
            try db.execute(sql: "INSERT INTO legal_hold (subject_reference, reason, placed_at) VALUES (?, ?, ?)",
                           arguments: [subjectReference, reason, now])
            try Self.appendAudit(db, action: "legal-hold placed", subjectReference: subjectReference, at: now)
            return LegalHold(id: db.lastInsertedRowID, subjectReference: subjectReference, reason: reason, placedAt: now, liftedAt: nil)
        }
    }

    /// Lifts the standing hold on a subject; false when there was none.
    public func liftLegalHold(subjectReference: String, now: Date) throws -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE legal_hold SET lifted_at = ? WHERE subject_reference = ? AND lifted_at IS NULL",
                           arguments: [now, subjectReference])
            guard db.changesCount > 0 else { return false }
            try Self.appendAudit(db, action: "legal-hold lifted", subjectReference: subjectReference, at: now)
            return true
        }
    }

    /// The hold standing on a subject, if any.
    public func standingLegalHold(subjectReference: String) throws -> LegalHold? {
        try read { db in try Self.standingHold(subjectReference, db) }
    }

    /// Every hold, standing or lifted, newest first.
    public func legalHolds() throws -> [LegalHold] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM legal_hold ORDER BY placed_at DESC, id DESC").map(Self.hold) }
    }

    private static func standingHold(_ subjectReference: String, _ db: Database) throws -> LegalHold? {
        try Row.fetchOne(db, sql: "SELECT * FROM legal_hold WHERE subject_reference = ? AND lifted_at IS NULL",
                         arguments: [subjectReference]).map(hold)
    }

    private static func hold(_ row: Row) -> LegalHold {
        LegalHold(id: row["id"], subjectReference: row["subject_reference"], reason: row["reason"],
                  placedAt: row["placed_at"], liftedAt: row["lifted_at"])
    }
}
