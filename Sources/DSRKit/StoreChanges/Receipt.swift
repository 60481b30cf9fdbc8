import DSRCore
/// What a request that changes the store did, per table: numbers and column names, never
/// the values. Written as `receipt.json` and `receipt.xml` for erasure, rectification,
/// restriction, objection and consent withdrawal.
public struct Receipt: Sendable, Codable, Equatable {
    public var tables: [Table]
    /// The recipients of the person's data told of the change (Art. 19), by name; nil for
    /// a change Art. 19 does not cover or a data map that declares no recipients.
    public var recipientsTold: [String]?
    /// The identities (by name) the change put on dsr's suppression list, kept there as
    /// keyed hashes so the person is not contacted again; nil for a change that adds none.
    public var suppressed: [String]?

    enum CodingKeys: String, CodingKey {
        case tables, recipientsTold = "recipients_told", suppressed
    }

    public struct Table: Sendable, Codable, Equatable {
        public var table: String
        /// The table's store, when the change spans several.
        public var store: String?
        public var rowsDeleted = 0
        public var rowsChanged = 0
        /// Rows of the subject left as they were: nothing to change, or already done.
        public var rowsUnchanged = 0
        public var columns: [Column] = []
        public var held: [Hold] = []
        /// What erasure left of the person in rows that stay, and why.
        public var kept: [Kept] = []

        enum CodingKeys: String, CodingKey {
            case table, store, rowsDeleted = "rows_deleted", rowsChanged = "rows_changed"
            case rowsUnchanged = "rows_unchanged", columns, held, kept
        }

        public init(table: String, store: String? = nil, rowsDeleted: Int = 0, rowsChanged: Int = 0, rowsUnchanged: Int = 0,
                    columns: [Column] = [], held: [Hold] = [], kept: [Kept] = []) {
            self.table = table
            self.store = store
            self.rowsDeleted = rowsDeleted
            self.rowsChanged = rowsChanged
            self.rowsUnchanged = rowsUnchanged
            self.columns = columns
            self.held = held
            self.kept = kept
        }

        /// Reads a receipt a ledger recorded before receipts named what erasure kept.
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(table: try container.decode(String.self, forKey: .table),
                      store: try container.decodeIfPresent(String.self, forKey: .store),
                      rowsDeleted: try container.decode(Int.self, forKey: .rowsDeleted),
                      rowsChanged: try container.decode(Int.self, forKey: .rowsChanged),
                      rowsUnchanged: try container.decode(Int.self, forKey: .rowsUnchanged),
                      columns: try container.decode([Column].self, forKey: .columns),
                      held: try container.decode([Hold].self, forKey: .held),
                      kept: try container.decodeIfPresent([Kept].self, forKey: .kept) ?? [])
        }
    }

    /// The rows of a table erasure leaves in place with the person's data in the columns
    /// named, why, and until when (a condition in the data map's words).
    public struct Kept: Sendable, Codable, Equatable {
        public var rows: Int
        public var columns: [String]
        public var reason: String
        public var until: String
        /// Whether the data map gives the reason (`kept:`), rather than the table's legal
        /// basis and retention standing in for it.
        public var declared: Bool
    }

    /// What happened to a column of the changed rows.
    public struct Column: Sendable, Codable, Equatable {
        public var name: String
        public var action: Action
    }

    public enum Action: String, Sendable, Codable, CaseIterable {
        case null, rewrite, pseudonymise, keep, rectify, restrict, withdraw
    }

    /// Rows kept under a legal duty, and until when.
    public struct Hold: Sendable, Codable, Equatable {
        public var basis: String
        /// The last day the rows are held; they are erased by the first sweep after it.
        public var lastDayHeld: CalendarDay
        public var rows: Int

        enum CodingKeys: String, CodingKey {
            case basis, lastDayHeld = "last_day_held", rows
        }
    }

    /// Adds what `other` says to this receipt: a table both name (one person's rows found
    /// by two keys) adds up; the others follow in their order.
    public mutating func absorb(_ other: Receipt) {
        if let more = other.suppressed { suppressed = Array(Set((suppressed ?? []) + more)).sorted() }
        for table in other.tables {
            guard let index = tables.firstIndex(where: { $0.table == table.table && $0.store == table.store }) else {
                tables.append(table)
                continue
            }
            tables[index].rowsDeleted += table.rowsDeleted
            tables[index].rowsChanged += table.rowsChanged
            tables[index].rowsUnchanged += table.rowsUnchanged
            if tables[index].columns.isEmpty { tables[index].columns = table.columns }
            tables[index].held += table.held
            for kept in table.kept {
                if let same = tables[index].kept.firstIndex(where: { $0.reason == kept.reason && $0.until == kept.until }) {
                    tables[index].kept[same].rows += kept.rows
                } else {
                    tables[index].kept.append(kept)
                }
            }
        }
    }

    /// The receipt with every table placed in `store`.
    public func placed(in store: String?) -> Receipt {
        Receipt(tables: tables.map { table in
            var table = table
            table.store = store
            return table
        })
    }

    /// Whether carrying the request out changed nothing (it had been done before).
    public var changedNothing: Bool {
        tables.allSatisfy { $0.rowsDeleted == 0 && $0.rowsChanged == 0 }
    }
}
