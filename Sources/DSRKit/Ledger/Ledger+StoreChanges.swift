import DSRCore
import Foundation
import GRDB

extension Ledger {
    /// A held row as erasure leaves it for the ledger.
    public typealias DeferredRow = (table: String, key: [StoreValue], basis: String, lastDayHeld: CalendarDay)

    /// A held row whose erasure waits for its hold to end.
    public struct DeferredErasure: Sendable, Equatable {
        public var id: Int64
        public var requestID: String
        public var subjectReference: String
        public var table: String
        public var key: [StoreValue]
        public var basis: String
        public var lastDayHeld: CalendarDay
    }

    /// What one request did to the store, as the ledger records it.
    public struct StoreChangeRecord: Sendable {
        public var requestID: String
        public var type: RequestType
        public var subjectReference: String
        public var receipt: Receipt
        /// The rows erasure had to leave for later.
        public var deferred: [DeferredRow]
        /// What the recipients of the person's data must be told (Art. 19).
        public var notices: [RecipientNotice]

        public init(requestID: String, type: RequestType, subjectReference: String, receipt: Receipt, deferred: [DeferredRow],
                    notices: [RecipientNotice] = []) {
            self.requestID = requestID
            self.type = type
            self.subjectReference = subjectReference
            self.receipt = receipt
            self.deferred = deferred
            self.notices = notices
        }
    }

    /// Records what a batch of requests did to the store (and the rows erasure had to
    /// leave), with the batch's suppressions, in one transaction that commits before the
    /// store's. A rerun after a crash finds nothing left to change for a subject; it then
    /// keeps the receipt of the run that did the work. Returns the receipts to publish, in
    /// the order of `changes`.
    public func recordChanges(_ changes: [StoreChangeRecord], suppressing suppressions: [Suppression] = [],
                              now: Date) throws -> [Receipt] {
        guard !changes.isEmpty || !suppressions.isEmpty else { return [] }
        return try write { db in
            let receipts = try changes.map { try record($0, now: now, db) }
            try Self.insert(suppressions, now: now, db)
            return receipts
        }
    }

    private func record(_ change: StoreChangeRecord, now: Date, _ db: Database) throws -> Receipt {
        let stored = try String.fetchOne(db.cachedStatement(sql: "SELECT receipt FROM store_change WHERE request_id = ?"),
                                         arguments: [change.requestID])
        try Self.insert(change.notices, now: now, db)
        if let stored, change.receipt.changedNothing {
            try Self.insert(change.deferred, requestID: change.requestID, subjectReference: change.subjectReference, now: now, db)
            return try JSONDecoder().decode(Receipt.self, from: Data(stored.utf8))
        }
        let text = try change.receipt.ledgerJSON()
        try db.cachedStatement(sql: """
            INSERT INTO store_change (request_id, type, subject_reference, receipt, recorded_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (request_id) DO UPDATE SET receipt = excluded.receipt, recorded_at = excluded.recorded_at
            """).execute(arguments: [change.requestID, change.type.rawValue, change.subjectReference, text, now.ledgerValue])
        let counts = change.receipt.tables.reduce((0, 0)) { ($0.0 + $1.rowsDeleted, $0.1 + $1.rowsChanged) }
        // A receipt already recorded means the run that recorded it was killed before the
        // store committed: the change is carried out now, and the trail says so rather
        // than recording the same change a second time.
        try appendAudit(db, action: stored == nil ? change.type.rawValue : "\(change.type.rawValue) redone after an interrupted run",
                        requestID: change.requestID, subjectReference: change.subjectReference,
                        detail: "\(counts.0) rows deleted, \(counts.1) rows changed, \(change.deferred.count) rows held", at: now)
        try Self.insert(change.deferred, requestID: change.requestID, subjectReference: change.subjectReference, now: now, db)
        return change.receipt
    }

    /// Records held rows again (after an erasure is re-applied); rows already recorded stay as they are.
    public func recordDeferred(_ deferred: [DeferredRow], requestID: String, subjectReference: String, now: Date) throws {
        try write { db in try Self.insert(deferred, requestID: requestID, subjectReference: subjectReference, now: now, db) }
    }

    private static func insert(_ deferred: [DeferredRow], requestID: String, subjectReference: String, now: Date,
                               _ db: Database) throws {
        // Formatted once: GRDB formats every bound Date with a DateFormatter.
        let createdAt = now.ledgerValue
        for row in deferred {
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO deferred_erasure
                    (request_id, subject_reference, table_name, row_key, basis, last_day_held, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [requestID, subjectReference, row.table, try encodeKey(row.key), row.basis,
                                         row.lastDayHeld.description, createdAt])
        }
    }

    /// The receipt and subject recorded for a request, if its change was made (the store may
    /// have committed before a crash; erased or rectified identities then find no one).
    public func recordedChange(requestID: String) throws -> (receipt: Receipt, subjectReference: String)? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT receipt, subject_reference FROM store_change WHERE request_id = ?",
                                             arguments: [requestID]) else { return nil }
            return (try JSONDecoder().decode(Receipt.self, from: Data((row["receipt"] as String).utf8)), row["subject_reference"])
        }
    }

    /// Deferred erasures whose last day held is before `today`, oldest first.
    public func deferredErasures(endedBefore today: CalendarDay) throws -> [DeferredErasure] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, request_id, subject_reference, table_name, row_key, basis, last_day_held FROM deferred_erasure
                WHERE erased_at IS NULL AND last_day_held < ? ORDER BY last_day_held, id
                """, arguments: [today.description]).map { row in
                DeferredErasure(id: row["id"], requestID: row["request_id"], subjectReference: row["subject_reference"],
                                table: row["table_name"], key: try Self.decodeKey(row["row_key"]), basis: row["basis"],
                                lastDayHeld: CalendarDay(iso: row["last_day_held"])!)
            }
        }
    }

    /// Deferred erasures still waiting, in all.
    public func pendingDeferredErasureCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM deferred_erasure WHERE erased_at IS NULL")! }
    }

    public func markErased(_ ids: [Int64], now: Date) throws {
        guard !ids.isEmpty else { return }
        try write { db in
            for chunk in ids.chunked(into: 500) {
                try db.execute(sql: "UPDATE deferred_erasure SET erased_at = ? WHERE id IN (\(SQLiteCustomerStore.placeholders(chunk.count)))",
                               arguments: StatementArguments([now.databaseValue] + chunk.map(\.databaseValue)))
            }
            try appendAudit(db, action: "sweep", detail: "\(ids.count) held rows erased after their hold ended", at: now)
        }
    }

    /// The subjects erased so far (by reference), with the request that erased each.
    public func erasedSubjects() throws -> [(requestID: String, subjectReference: String)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT request_id, subject_reference FROM store_change WHERE type = 'erasure' ORDER BY recorded_at, request_id
                """)
                .map { ($0["request_id"], $0["subject_reference"]) }
        }
    }

    /// An identity that must not be contacted (for `scope`: `*/*`, or `purpose/channel`),
    /// by keyed reference: dsr no longer knows who it was.
    public struct Suppression: Sendable, Hashable {
        public var reference: String
        /// The name of the identity the reference was made from (`email`), so a check
        /// computes references only for the identities the list holds.
        public var identity: String
        public var scope: String
        public var reason: String
    }

    /// Adds entries to the suppression list; known ones stay as they are.
    private static func insert(_ entries: [Suppression], now: Date, _ db: Database) throws {
        let addedAt = now.ledgerValue
        for entry in entries {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO suppression (reference, identity, scope, reason, added_at) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [entry.reference, entry.identity, entry.scope, entry.reason, addedAt])
        }
    }

    public func isSuppressed(_ reference: String) throws -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM suppression WHERE reference = ?", arguments: [reference]) ?? false }
    }

    /// A row key as JSON, byte for byte as `JSONEncoder` writes it (the ledger compares keys
    /// as text). Integer keys and plain ASCII text keys, nearly all of them, are written
    /// directly: an erasure night records tens of thousands of held rows,
    /// and a `JSONEncoder` per key was most of the ledger's share of it.
    static func encodeKey(_ key: [StoreValue]) throws -> String {
        var parts: [String] = []
        for value in key {
            switch value {
            case .integer(let number): parts.append("{\"integer\":{\"_0\":\(number)}}")
            case .text(let text) where text.utf8.allSatisfy({ (0x20...0x7E).contains($0) && !"\"\\/".utf8.contains($0) }):
                parts.append("{\"text\":{\"_0\":\"\(text)\"}}")
            case .null, .real, .decimal, .blob, .text: return String(decoding: try JSONEncoder().encode(key), as: UTF8.self)
            }
        }
        return "[" + parts.joined(separator: ",") + "]"
    }

    static func decodeKey(_ text: String) throws -> [StoreValue] {
        try JSONDecoder().decode([StoreValue].self, from: Data(text.utf8))
    }
}

extension Ledger {
    /// What a change did in one linked store for one request, recorded in the ledger
    /// transaction that commits before that store's.
    public struct StoreChangePart: Sendable {
        public var requestID: String
        public var subjectReference: String
        public var receipt: Receipt
        public var deferred: [DeferredRow]
        /// The request's notices to recipients, recorded with its first part: once a linked
        /// store has committed, the rows that told which recipients received them are gone.
        public var notices: [RecipientNotice]
        /// The request's suppressions, recorded with every part: once a linked store has
        /// committed an erasure, the address it held of the person is gone, and a run killed
        /// before the whole change is recorded could no longer suppress it.
        public var suppressions: [Suppression] = []
    }

    /// Records the parts a batch did in `store`, with their held rows and suppressions, before the store
    /// commits. A part recorded again (the store committed, the run was killed before
    /// `markPartsDone`) keeps its first receipt when the redo changed nothing.
    public func recordParts(_ parts: [StoreChangePart], store: String, now: Date) throws {
        guard !parts.isEmpty else { return }
        try write { db in
            for part in parts {
                let stored = try String.fetchOne(db.cachedStatement(sql: "SELECT receipt FROM store_change_part WHERE request_id = ? AND store = ?"),
                                                 arguments: [part.requestID, store])
                if stored == nil || !part.receipt.changedNothing {
                    try db.cachedStatement(sql: """
                        INSERT INTO store_change_part (request_id, store, receipt, recorded_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (request_id, store) DO UPDATE SET receipt = excluded.receipt, recorded_at = excluded.recorded_at
                        """).execute(arguments: [part.requestID, store, try part.receipt.ledgerJSON(), now.ledgerValue])
                }
                try Self.insert(part.deferred, requestID: part.requestID, subjectReference: part.subjectReference, now: now, db)
                try Self.insert(part.notices, now: now, db)
                try Self.insert(part.suppressions, now: now, db)
            }
        }
    }

    /// Marks parts done once their store has committed.
    public func markPartsDone(requestIDs: [String], store: String, now: Date) throws {
        guard !requestIDs.isEmpty else { return }
        try write { db in
            for id in requestIDs {
                try db.cachedStatement(sql: "UPDATE store_change_part SET done_at = ? WHERE request_id = ? AND store = ?")
                    .execute(arguments: [now.ledgerValue, id, store])
            }
        }
    }

    /// The receipts of the stores a request's change is done in, by store name.
    public func partsDone(requestID: String) throws -> [String: Receipt] {
        try read { db in
            var done: [String: Receipt] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT store, receipt FROM store_change_part WHERE request_id = ? AND done_at IS NOT NULL"),
                                        arguments: [requestID]) {
                done[row["store"]] = try JSONDecoder().decode(Receipt.self, from: Data((row["receipt"] as String).utf8))
            }
            return done
        }
    }
}
