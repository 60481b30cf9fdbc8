/// The live shape of a customer store: its tables and their columns, as the store reports
/// them, for checking a data map against.
public struct StoreSchema: Sendable {
    public var tables: [String: Table]

    public struct Table: Sendable {
        public var name: String
        public var columns: [Column]
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

    /// The store table whose name differs from `name` only in letter case, if any; for a
    /// helpful message when a map's spelling is off.
    public func table(caseInsensitivelyNamed name: String) -> Table? {
        tables.values.first { $0.name.lowercased() == name.lowercased() }
    }
}
