import Foundation
import GRDB

/// A `StoreSession` on one GRDB database connection, in a read or a write transaction.
struct SQLiteStoreSession: StoreSession {
    let db: Database
    let schema: StoreSchema

    /// The SQL function that pseudonymises a value; registered on every connection.
    static let pseudonymFunction = "dsr_pseudonym"

    func subjectRows(of table: MappedTable, subject: StoreValue, in map: DataMap, changes: [ColumnChange],
                     filter: [String: [String]]) throws -> [SubjectRow] {
        let holdColumn = table.hold?.dateColumnParts(defaultTable: table.name)
        let path = SubjectPathQuery(table: table, map: map, joining: Set([holdColumn?.table].compactMap { $0 }))
        var arguments: [DatabaseValue] = []
        let key = keyColumns(of: table).map(path.column)
        let holdDate = holdColumn.map { path.column($0.column, of: $0.table) } ?? "NULL"
        let needsChange: String
        if table.erasureDeletesRows && changes.isEmpty {
            needsChange = "1"
        } else if changes.isEmpty {
            needsChange = "0"
        } else {
            needsChange = "(" + changes.map { condition($0, path.column($0.column), &arguments) }.joined(separator: " OR ") + ")"
        }
        var sql = "SELECT \((key + [holdDate, needsChange]).joined(separator: ", ")) FROM \(path.fromClause) WHERE \(path.subjectKey) = ?"
        arguments.append(SQLiteCustomerStore.databaseValue(subject))
        for (column, values) in filter.sorted(by: { $0.key < $1.key }) {
            sql += " AND \(path.column(column)) IN (\(SQLiteCustomerStore.placeholders(values.count)))"
            arguments += values.map(\.databaseValue)
        }
        let keyCount = key.count
        // Cached: the same few statements run for every subject of the night.
        return try Row.fetchAll(try db.cachedStatement(sql: sql), arguments: StatementArguments(arguments)).map { row in
            SubjectRow(key: (0..<keyCount).map { SQLiteCustomerStore.storeValue(row[$0]) },
                       holdDate: holdColumn == nil ? nil : SQLiteCustomerStore.storeValue(row[keyCount]),
                       needsChange: row[keyCount + 1] as Bool? ?? false)
        }
    }

    func delete(from table: MappedTable, keys: [[StoreValue]]) throws -> Int {
        var deleted = 0
        for chunk in keys.chunked(into: 500) {
            var arguments: [DatabaseValue] = []
            let match = keyMatch(table, Array(chunk), &arguments)
            try db.cachedStatement(sql: "DELETE FROM \(SQL.quote(table.name)) WHERE \(match)").execute(arguments: StatementArguments(arguments))
            deleted += db.changesCount
        }
        return deleted
    }

    func update(_ table: MappedTable, _ changes: [ColumnChange], keys: [[StoreValue]]) throws -> Int {
        guard !changes.isEmpty else { return 0 }
        var updated = 0
        for chunk in keys.chunked(into: 500) {
            var arguments: [DatabaseValue] = []
            let assignments = changes.map { change -> String in
                let column = SQL.quote(change.column)
                switch change.kind {
                case .null: return "\(column) = NULL"
                case .value(let value):
                    arguments.append(SQLiteCustomerStore.databaseValue(value))
                    return "\(column) = ?"
                case .pseudonymise: return "\(column) = \(Self.pseudonymFunction)(\(column))"
                case .fillIfNull(let value):
                    arguments.append(SQLiteCustomerStore.databaseValue(value))
                    return "\(column) = COALESCE(\(column), ?)"
                }
            }.joined(separator: ", ")
            let match = keyMatch(table, Array(chunk), &arguments)
            try db.cachedStatement(sql: "UPDATE \(SQL.quote(table.name)) SET \(assignments) WHERE \(match)")
                .execute(arguments: StatementArguments(arguments))
            updated += db.changesCount
        }
        return updated
    }

    /// Whether a change would alter a column's value; false once the value is erased.
    private func condition(_ change: ColumnChange, _ column: String, _ arguments: inout [DatabaseValue]) -> String {
        switch change.kind {
        case .null:
            return "\(column) IS NOT NULL"
        case .value(let value):
            arguments.append(SQLiteCustomerStore.databaseValue(value))
            return "\(column) IS NOT ?"
        case .pseudonymise:
            return "(\(column) IS NOT NULL AND NOT (\(column) LIKE '\(SubjectKeyring.pseudonymPrefix.replacingOccurrences(of: "_", with: "\\_"))%' ESCAPE '\\' AND length(\(column)) = \(SubjectKeyring.pseudonymLength)))"
        case .fillIfNull:
            return "\(column) IS NULL"
        }
    }

    private func keyColumns(of table: MappedTable) -> [String] {
        let primaryKey = schema.tables[table.name]?.primaryKey ?? []
        return primaryKey.isEmpty ? ["rowid"] : primaryKey
    }

    /// `"id" IN (?, ?)` or, for a composite key, `("a", "b") IN (VALUES (?, ?), …)`.
    private func keyMatch(_ table: MappedTable, _ keys: [[StoreValue]], _ arguments: inout [DatabaseValue]) -> String {
        let columns = keyColumns(of: table)
        arguments += keys.flatMap { $0.map(SQLiteCustomerStore.databaseValue) }
        if columns.count == 1 {
            return "\(SQL.quote(columns[0])) IN (\(SQLiteCustomerStore.placeholders(keys.count)))"
        }
        let tuple = "(" + SQLiteCustomerStore.placeholders(columns.count) + ")"
        return "(\(columns.map(SQL.quote).joined(separator: ", "))) IN (VALUES \(Array(repeating: tuple, count: keys.count).joined(separator: ", ")))"
    }
}

extension Array {
    /// The array in consecutive pieces of at most `size` elements.
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
