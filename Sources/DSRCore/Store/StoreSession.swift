/// Reads and writes of subjects' rows inside one store transaction (or one consistent
/// read for plans and dry runs). Everything erasure, rectification, restriction and
/// consent withdrawal do to a store goes through these operations.
public protocol StoreSession {
    /// The subject's rows of `table`, each with its key, the date a hold counts from, and
    /// whether `changes` would alter it. `filter` keeps rows whose columns hold one of the
    /// given values.
    func subjectRows(of table: MappedTable, subject: StoreValue, in map: DataMap, changes: [ColumnChange],
                     filter: [String: [String]]) throws -> [SubjectRow]

    /// `subjectRows` for many subjects at once (with no filter), by subject key as
    /// canonical text; a subject with no rows is absent.
    func subjectRows(of table: MappedTable, subjects: [StoreValue], in map: DataMap,
                     changes: [ColumnChange]) throws -> [String: [SubjectRow]]

    /// Deletes rows by key; returns how many went.
    func delete(from table: MappedTable, keys: [[StoreValue]]) throws -> Int

    /// Applies column changes to rows by key; returns how many rows changed.
    func update(_ table: MappedTable, _ changes: [ColumnChange], keys: [[StoreValue]]) throws -> Int

    /// Runs `work` as a savepoint of the session's transaction: when it throws, everything
    /// it changed is undone and the transaction goes on.
    func atomically<T>(_ work: () throws -> T) throws -> T
}

/// One of a subject's rows, as the planners see it.
public struct SubjectRow: Sendable, Hashable {
    /// The primary key values (SQLite's rowid for a table without one).
    public var key: [StoreValue]
    /// The value of the table's hold date column, if it has a hold.
    public var holdDate: StoreValue?
    /// Whether the planned changes would alter the row (false once it is already erased).
    public var needsChange: Bool
}

/// A change to one column of a subject's rows.
public struct ColumnChange: Sendable, Hashable {
    public var column: String
    public var kind: Kind

    public enum Kind: Sendable, Hashable {
        case null
        case value(StoreValue)
        /// Replace by the keyed pseudonym of the value.
        case pseudonymise
        /// Set only where the column is NULL (a withdrawal time is never moved).
        case fillIfNull(StoreValue)
    }

    public init(column: String, kind: Kind) {
        self.column = column
        self.kind = kind
    }

    /// The changes erasure makes to a table's columns (none for tables whose rows go).
    public static func erasure(of table: MappedTable) -> [ColumnChange] {
        table.columns.compactMap { column in
            switch column.erasure {
            case .null: return ColumnChange(column: column.name, kind: .null)
            case .rewrite(let value): return ColumnChange(column: column.name, kind: .value(.text(value)))
            case .pseudonymise: return ColumnChange(column: column.name, kind: .pseudonymise)
            case .delete, .keep: return nil
            }
        }
    }

    /// Sets the table's restriction flag to 1.
    public static func restrict(_ table: MappedTable) -> [ColumnChange] {
        table.restrictionFlag.map { [ColumnChange(column: $0, kind: .value(.integer(1)))] } ?? []
    }
}
