import Crypto
import DSRCore
import Foundation
import GRDB

extension Ledger {
    /// The hash the first entry of the chain points back to.
    static let genesisHash = String(repeating: "0", count: 64)

    /// One entry of the audit trail: what happened, to which request or person (by
    /// reference), never personal data.
    public struct AuditEntry: Sendable, Codable, Equatable {
        public var id: Int64
        public var at: Date
        public var requestID: String?
        public var subjectReference: String?
        public var action: String
        public var detail: String
        /// Who acted: a person's login or `--actor` name, or `scheduler`; nil on entries
        /// written before dsr recorded it.
        public var actor: String?
        public var previousHash: String
        public var hash: String

        enum CodingKeys: String, CodingKey {
            case id, at, requestID = "request_id", subjectReference = "subject_reference", action, detail, actor
            case previousHash = "previous_hash", hash
        }
    }

    /// Appends an entry naming this ledger's actor in the caller's transaction, so a change
    /// and its entry commit together or not at all.
    @discardableResult
    func appendAudit(_ db: Database, action: String, requestID: String? = nil, subjectReference: String? = nil,
                            detail: String = "", at date: Date, after knownPrevious: String? = nil) throws -> String {
        let previous = try knownPrevious
            ?? String.fetchOne(try db.cachedStatement(sql: "SELECT hash FROM audit ORDER BY id DESC LIMIT 1"))
            ?? Self.genesisHash
        let at = Timestamp.format(date)
        let hash = Self.auditHash(previous: previous, at: at, requestID: requestID, subjectReference: subjectReference,
                                  action: action, detail: detail, actor: actor)
        try db.cachedStatement(sql: """
            INSERT INTO audit (at, request_id, subject_reference, action, detail, actor, previous_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [at, requestID, subjectReference, action, detail, actor, previous, hash])
        return hash
    }

    /// SHA-256 over the previous hash and the entry's fields, each length-prefixed so no
    /// two different entries hash alike. The actor joins the fields only when there is one,
    /// so entries written before dsr recorded actors keep the hashes they were written with.
    static func auditHash(previous: String, at: String, requestID: String?, subjectReference: String?,
                          action: String, detail: String, actor: String? = nil) -> String {
        var hasher = SHA256()
        // Hashed straight from the strings' bytes: two entries are appended per request.
        let fields = [previous, at, requestID ?? "\u{0}", subjectReference ?? "\u{0}", action, detail] + (actor.map { [$0] } ?? [])
        for var field in fields {
            field.withUTF8 { bytes in
                var prefix = "\(bytes.count):"
                prefix.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
                hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            }
        }
        return hasher.finalize().withUnsafeBytes { Data($0) }.hexString
    }

    /// The result of checking the chain.
    public struct AuditVerification: Sendable, Equatable, Codable {
        public var entries: Int
        /// The first entry whose hash or link does not hold, if any.
        public var firstBrokenEntry: Int64?
        public var problem: String?

        enum CodingKeys: String, CodingKey {
            case entries, firstBrokenEntry = "first_broken_entry", problem
        }
    }

    /// Recomputes every hash in order: an edited entry breaks its own hash, a deleted one
    /// breaks the link of the next.
    public func verifyAudit() throws -> AuditVerification {
        try read { db in
            var previous = Self.genesisHash
            var count = 0
            var expectedID: Int64 = 1
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit ORDER BY id")
            while let row = try rows.next() {
                count += 1
                let id: Int64 = row["id"]
                let stored: String = row["hash"]
                if id != expectedID {
                    return AuditVerification(entries: count, firstBrokenEntry: id, problem: "entries before \(id) are missing")
                }
                if row["previous_hash"] as String != previous {
                    return AuditVerification(entries: count, firstBrokenEntry: id, problem: "does not link to the entry before it")
                }
                let recomputed = Self.auditHash(previous: previous, at: row["at"], requestID: row["request_id"],
                                                subjectReference: row["subject_reference"], action: row["action"], detail: row["detail"],
                                                actor: row["actor"])
                if recomputed != stored {
                    return AuditVerification(entries: count, firstBrokenEntry: id, problem: "its content was changed")
                }
                previous = stored
                expectedID += 1
            }
            return AuditVerification(entries: count, firstBrokenEntry: nil, problem: nil)
        }
    }

    /// The trail, oldest first (for `dsr audit show`).
    public func auditEntries(requestID: String? = nil) throws -> [AuditEntry] {
        try read { db in
            var sql = "SELECT * FROM audit"
            var arguments: StatementArguments = []
            if let requestID {
                sql += " WHERE request_id = ?"
                arguments = [requestID]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments).map { row in
                AuditEntry(id: row["id"], at: Timestamp.parse(row["at"]) ?? Date(timeIntervalSince1970: 0),
                           requestID: row["request_id"], subjectReference: row["subject_reference"], action: row["action"],
                           detail: row["detail"], actor: row["actor"], previousHash: row["previous_hash"], hash: row["hash"])
            }
        }
    }
}
