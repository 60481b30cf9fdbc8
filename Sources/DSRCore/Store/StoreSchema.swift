/// The live shape of a customer store: its tables and their columns, as the store reports
/// them, for checking a data map against.
public struct StoreSchema: Sendable {
    public var tables: [String: Table]

    public init(tables: [String: Table]) {
        self.tables = tables
    }

    public struct Table: Sendable {
        public var name: String
        public var columns: [Column]
        /// The table's indexes (primary key and unique constraints included).
        public var indexes: [Index] = []
        /// The table's foreign keys.
        public var foreignKeys: [ForeignKey] = []
        public func column(named name: String) -> Column? { columns.first { $0.name == name } }
        /// The primary key columns in key order.
        public var primaryKey: [String] {
            columns.filter { $0.primaryKeyPosition != nil }.sorted { $0.primaryKeyPosition! < $1.primaryKeyPosition! }.map(\.name)
        }
    }

    public struct Column: Sendable {
        public var name: String
        /// The declared type as the store spells it (`INTEGER`, `text`, `character varying`).
        public var declaredType: String
        public var isNotNull: Bool
        /// 1-based position in the primary key, or nil.
        public var primaryKeyPosition: Int?
    }

    /// A foreign key: `table.columns` refer to `targetTable.targetColumns`.
    public struct ForeignKey: Sendable, Hashable {
        public var name: String
        public var table: String
        public var columns: [String]
        public var targetTable: String
        public var targetColumns: [String]
        /// What the store does to these rows when the row they refer to is deleted.
        public var onDelete: Action

        public enum Action: String, Sendable, Hashable {
            case restrict = "RESTRICT", cascade = "CASCADE", setNull = "SET NULL", setDefault = "SET DEFAULT", noAction = "NO ACTION"
        }

        /// `orders(customer_id) → customers(id)`.
        public var description: String {
            "\(table)(\(columns.joined(separator: ", "))) → \(targetTable)(\(targetColumns.joined(separator: ", ")))"
        }
    }

    /// The store table whose name differs from `name` only in letter case, if any; for a
    /// helpful message when a map's spelling is off.
    public func table(caseInsensitivelyNamed name: String) -> Table? {
        tables.values.first { $0.name.lowercased() == name.lowercased() }
    }
}

extension StoreSchema {
    /// A value given as text (in a breach file's `where`), typed for the live column it is
    /// compared with, so a number compares as a number on every store kind.
    public func typedValue(_ text: String, table: String, column: String) -> StoreValue {
        let type = tables[table]?.column(named: column)?.declaredType.uppercased() ?? ""
        if type.contains("INT"), let number = Int64(text) { return .integer(number) }
        if ["REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL"].contains(where: type.contains), let number = Double(text) {
            return .real(number)
        }
        return .text(text)
    }
}
