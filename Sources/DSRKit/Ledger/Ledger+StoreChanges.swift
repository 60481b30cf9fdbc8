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

    /// Records what a request did to the store (and the rows erasure had to leave) before
    /// the store transaction commits. A rerun after a crash finds nothing left to change; it
    /// then keeps the receipt of the run that did the work. Returns the receipt to publish.
    public func recordChange(requestID: String, type: RequestType, subjectReference: String, receipt: Receipt,
                             deferred: [DeferredRow], now: Date) throws -> Receipt {
        try write { db in
            var effective = receipt
            let stored = try String.fetchOne(db, sql: "SELECT receipt FROM store_change WHERE request_id = ?", arguments: [requestID])
            if let stored, receipt.changedNothing {
                effective = try JSONDecoder().decode(Receipt.self, from: Data(stored.utf8))
            } else {
                let text = String(decoding: try JSONEncoder().encode(receipt), as: UTF8.self)
                try db.execute(sql: """
                    INSERT INTO store_change (request_id, type, subject_reference, receipt, recorded_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (request_id) DO UPDATE SET receipt = excluded.receipt, recorded_at = excluded.recorded_at
                    """, arguments: [requestID, type.rawValue, subjectReference, text, now])
                let counts = receipt.tables.reduce((0, 0)) { ($0.0 + $1.rowsDeleted, $0.1 + $1.rowsChanged) }
                // A receipt already recorded means the run that recorded it was killed before
                // the store committed: the change is carried out now, and the trail says so
                // rather than recording the same change a second time.
                try Self.appendAudit(db, action: stored == nil ? type.rawValue : "\(type.rawValue) redone after an interrupted run",
                                     requestID: requestID, subjectReference: subjectReference,
                                     detail: "\(counts.0) rows deleted, \(counts.1) rows changed, \(deferred.count) rows held", at: now)
            }
            try Self.insert(deferred, requestID: requestID, subjectReference: subjectReference, now: now, db)
            return effective
        }
    }

    /// Records held rows again (after an erasure is re-applied); rows already recorded stay as they are.
    public func recordDeferred(_ deferred: [DeferredRow], requestID: String, subjectReference: String, now: Date) throws {
        try write { db in try Self.insert(deferred, requestID: requestID, subjectReference: subjectReference, now: now, db) }
    }

    private static func insert(_ deferred: [DeferredRow], requestID: String, subjectReference: String, now: Date,
                               _ db: Database) throws {
        for row in deferred {
            try db.execute(sql: """
                INSERT OR IGNORE INTO deferred_erasure
                    (request_id, subject_reference, table_name, row_key, basis, last_day_held, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [requestID, subjectReference, row.table, try encodeKey(row.key), row.basis,
                                 row.lastDayHeld.description, now])
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
            try Self.appendAudit(db, action: "sweep", detail: "\(ids.count) held rows erased after their hold ended", at: now)
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

    /// Adds entries to the suppression list, in one transaction; known ones stay as they are.
    public func suppress(_ entries: [Suppression], now: Date) throws {
        guard !entries.isEmpty else { return }
        try write { db in
            for entry in entries {
                try db.execute(sql: "INSERT OR IGNORE INTO suppression (reference, identity, scope, reason, added_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [entry.reference, entry.identity, entry.scope, entry.reason, now])
            }
        }
    }

    public func isSuppressed(_ reference: String) throws -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM suppression WHERE reference = ?", arguments: [reference]) ?? false }
    }

    static func encodeKey(_ key: [StoreValue]) throws -> String {
        String(decoding: try JSONEncoder().encode(key), as: UTF8.self)
    }

    static func decodeKey(_ text: String) throws -> [StoreValue] {
        try JSONDecoder().decode([StoreValue].self, from: Data(text.utf8))
    }
}
