import DSRCore
import Foundation

/// `dsr restriction lift ID --reason R`: lifts the Art. 18 restriction a completed
/// restriction request set, telling the person first (Art. 18(3)): the ledger records the
/// announcement, the letter is published, then the person's restriction marks are cleared
/// in every store and the lift is recorded. Rows an erasure deferred under a hold keep
/// their mark (it is the hold's). Stopped anywhere, the same command run again finishes.
public struct RestrictionLift {
    public let context: RunContext
    public let ledger: Ledger
    let notices: NoticeWriter
    /// The run lock, held while this value exists.
    let lock: RunLock

    init(context: RunContext, lock: RunLock, ledger: Ledger, notices: NoticeWriter) {
        self.context = context
        self.lock = lock
        self.ledger = ledger
        self.notices = notices
    }

    /// What lifting did.
    public struct Outcome: Sendable, Codable, Equatable {
        public var requestID: String
        /// Rows whose restriction mark was cleared.
        public var rowsUnmarked: Int
        /// Rows that keep their mark: an erasure deferred them under a hold.
        public var rowsHeld: Int
        /// The letter telling the person, relative to the outbox.
        public var letter: String

        enum CodingKeys: String, CodingKey {
            case requestID = "request_id", rowsUnmarked = "rows_unmarked", rowsHeld = "rows_held", letter
        }

        public func json() -> String { ReportJSON.text(self) }

        public var text: String {
            "restriction of \(requestID) lifted: \(rowsUnmarked) row(s) unmarked"
                + (rowsHeld > 0 ? ", \(rowsHeld) kept marked under a hold" : "") + "; the letter to the person: \(letter)"
        }
    }

    public func lift(_ id: String, reason: String, now: Date) throws -> Outcome {
        guard let existing = try ledger.requests(id: id).first else { throw DSRError.badInput("no request '\(id)'") }
        // A completed request keeps only the person's keyed reference.
        guard let reference = existing.subjectReference else {
            throw DSRError.badInput("request '\(id)': its details were deleted under the ledger's retention, so its person cannot be found; "
                                    + "lift the restriction in the store by hand")
        }
        let stores = context.stores
        guard let person = try ReferencedPeople(stores: stores, keyring: context.keyring).find([reference: id]).first?.person else {
            throw DSRError.badInput("request '\(id)': its person is no longer in the store")
        }
        let (record, lift) = try ledger.announceRestrictionLift(id, reason: reason, now: now)
        // Art. 18(3): the person is told before the restriction is lifted.
        let letter = try notices.writeRestrictionLift(record, lift: lift, now: now)
        let held = try ledger.heldRowKeys(subjectReferences: person.references(keyring: context.keyring, stores: stores))
        var unmarked = 0
        var kept = 0
        for (name, store) in stores.commitOrder {
            try store.writing { session in
                for (index, bound) in stores.segments.enumerated() where bound.storeName == name {
                    for table in bound.map.tables {
                        guard let flag = table.restrictionFlag else { continue }
                        let clear = [ColumnChange(column: flag, kind: .value(.integer(0)))]
                        for key in person.keys[index] {
                            let marked = try session.subjectRows(of: table, subject: key, in: bound.map, changes: clear, filter: [:]).filter(\.needsChange)
                            let free = try marked.filter { !(held[table.name]?.contains(try Ledger.encodeKey($0.key)) ?? false) }
                            kept += marked.count - free.count
                            unmarked += try session.update(table, clear, keys: free.map(\.key))
                        }
                    }
                }
            }
        }
        try ledger.markRestrictionLifted(id, rows: unmarked, now: now)
        return Outcome(requestID: id, rowsUnmarked: unmarked, rowsHeld: kept, letter: letter)
    }
}
