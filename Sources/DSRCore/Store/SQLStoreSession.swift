import Foundation

/// Runs a shared builder's statements inside one store transaction.
package protocol StatementRunner {
    /// Every row of a query.
    func rows(_ statement: SQLStatement) throws -> [[StoreValue]]
    /// Runs a statement; returns how many rows it changed.
    func run(_ statement: SQLStatement) throws -> Int
}

/// The `StoreSession` of every SQL store: the statements are built here, once, and a
/// store's runner only binds and runs them; where dialects differ, the store's
/// `SQLDialect` says how.
package struct SQLStoreSession: StoreSession {
    package let runner: StatementRunner
    package let schema: StoreSchema
    package let dialect: SQLDialect
    /// Pseudonymises values in Swift when the dialect cannot in SQL.
    package let keyring: SubjectKeyring?
    /// Counts the rows deletes and updates change (the runner counts the rows read).
    package let tally: StoreTally

    /// The most keys in one statement.
    package static let chunkSize = 500

    package func subjectRows(of table: MappedTable, subject: StoreValue, in map: DataMap, changes: [ColumnChange],
                     filter: [String: [String]]) throws -> [SubjectRow] {
        try subjectRows(of: table, subjects: [subject], in: map, changes: changes, filter: filter)[subject.canonicalText] ?? []
    }

    package func subjectRows(of table: MappedTable, subjects: [StoreValue], in map: DataMap,
                     changes: [ColumnChange]) throws -> [String: [SubjectRow]] {
        try subjectRows(of: table, subjects: subjects, in: map, changes: changes, filter: [:])
    }

    /// The rows of each of `subjects` (by key as canonical text), one statement per chunk.
    private func subjectRows(of table: MappedTable, subjects: [StoreValue], in map: DataMap, changes: [ColumnChange],
                             filter: [String: [String]]) throws -> [String: [SubjectRow]] {
        let holdColumn = table.hold?.dateColumnParts(defaultTable: table.name)
        let path = SubjectPathQuery(table: table, map: map, joining: Set([holdColumn?.table].compactMap { $0 }))
        var changeArguments: [SQLStatement.Argument] = []
        let key = keyColumns(of: table).map(path.column)
        let holdDate = holdColumn.map { path.column($0.column, of: $0.table) } ?? "NULL"
        let needsChange: String
        if table.erasureDeletesRows && changes.isEmpty {
            needsChange = "1"
        } else if changes.isEmpty {
            needsChange = "0"
        } else {
            needsChange = "CASE WHEN " + changes.map { condition($0, path.column($0.column), &changeArguments) }.joined(separator: " OR ")
                + " THEN 1 ELSE 0 END"
        }
        let keyCount = key.count
        var rows: [String: [SubjectRow]] = [:]
        for chunk in subjects.chunked(into: Self.chunkSize) {
            var arguments = changeArguments
            var sql = "SELECT \(([path.subjectKey] + key + [holdDate, needsChange]).joined(separator: ", ")) FROM \(path.fromClause)"
            if chunk.count == 1 {
                sql += " WHERE \(path.subjectKey) = ?"
            } else {
                sql += " WHERE \(path.subjectKey) IN (\(Self.placeholders(chunk.count)))"
            }
            arguments += chunk.map { .value($0) }
            for (column, values) in filter.sorted(by: { $0.key < $1.key }) {
                sql += " AND \(path.column(column)) IN (\(Self.placeholders(values.count)))"
                arguments += values.map { .value(.text($0)) }
            }
            for row in try runner.rows(SQLStatement(sql: sql, arguments: arguments)) {
                rows[row[0].canonicalText, default: []].append(SubjectRow(
                    key: Array(row[1...keyCount]), holdDate: holdColumn == nil ? nil : row[keyCount + 1],
                    needsChange: row[keyCount + 2].canonicalText == "1"))
            }
        }
        return rows
    }

    package func delete(from table: MappedTable, keys: [[StoreValue]]) throws -> Int {
        var deleted = 0
        for chunk in keys.chunked(into: Self.chunkSize) {
            var arguments: [SQLStatement.Argument] = []
            let match = keyMatch(table, Array(chunk), &arguments)
            deleted += try runner.run(SQLStatement(sql: "DELETE FROM \(SQL.quote(table.name)) WHERE \(match)", arguments: arguments))
        }
        tally.count(written: deleted)
        return deleted
    }

    package func update(_ table: MappedTable, _ changes: [ColumnChange], keys: [[StoreValue]]) throws -> Int {
        guard !changes.isEmpty, !keys.isEmpty else { return 0 }
        // Pseudonyms the database cannot compute are written row by row, before the rest.
        let inSwift = dialect.pseudonym == nil ? changes.filter { $0.kind == .pseudonymise } : []
        if !inSwift.isEmpty { try pseudonymiseInSwift(table, columns: inSwift.map(\.column), keys: keys) }
        let inSQL = changes.filter { !inSwift.contains($0) }
        guard !inSQL.isEmpty else {
            tally.count(written: keys.count)
            return keys.count
        }
        var updated = 0
        for chunk in keys.chunked(into: Self.chunkSize) {
            var arguments: [SQLStatement.Argument] = []
            let assignments = inSQL.map { change -> String in
                let column = SQL.quote(change.column)
                switch change.kind {
                case .null: return "\(column) = NULL"
                case .value(let value):
                    arguments.append(.value(value))
                    return "\(column) = ?"
                case .pseudonymise: return "\(column) = \(dialect.pseudonym!(column))"
                case .fillIfNull(let value):
                    arguments.append(.value(value))
                    return "\(column) = COALESCE(\(column), ?)"
                }
            }.joined(separator: ", ")
            let match = keyMatch(table, Array(chunk), &arguments)
            updated += try runner.run(SQLStatement(sql: "UPDATE \(SQL.quote(table.name)) SET \(assignments) WHERE \(match)", arguments: arguments))
        }
        tally.count(written: updated)
        return updated
    }

    /// Reads each row's values, and writes each value's pseudonym (pseudonyms stay as they are).
    /// The same statements in SQLite and PostgreSQL; a rolled-back savepoint is released
    /// too, so the transaction's savepoint stack is as it was.
    package func atomically<T>(_ work: () throws -> T) throws -> T {
        _ = try runner.run(SQLStatement(sql: "SAVEPOINT dsr_subject"))
        do {
            let result = try tally.keepingWrites(work)
            _ = try runner.run(SQLStatement(sql: "RELEASE SAVEPOINT dsr_subject"))
            return result
        } catch {
            _ = try? runner.run(SQLStatement(sql: "ROLLBACK TO SAVEPOINT dsr_subject"))
            _ = try? runner.run(SQLStatement(sql: "RELEASE SAVEPOINT dsr_subject"))
            throw error
        }
    }

    private func pseudonymiseInSwift(_ table: MappedTable, columns: [String], keys: [[StoreValue]]) throws {
        guard let keyring else { throw DSRError.configuration("pseudonymise needs the HMAC key") }
        let keyNames = keyColumns(of: table)
        for chunk in keys.chunked(into: Self.chunkSize) {
            var arguments: [SQLStatement.Argument] = []
            let match = keyMatch(table, Array(chunk), &arguments)
            let selected = (keyNames + columns).map(SQL.quote).joined(separator: ", ")
            for row in try runner.rows(SQLStatement(sql: "SELECT \(selected) FROM \(SQL.quote(table.name)) WHERE \(match)", arguments: arguments)) {
                let values = row[keyNames.count...].map { value -> StoreValue in
                    guard value != .null, !SubjectKeyring.isPseudonym(value.canonicalText) else { return value }
                    return .text(keyring.pseudonym(value.canonicalText))
                }
                var rowArguments: [SQLStatement.Argument] = values.map { .value($0) }
                let rowMatch = keyMatch(table, [Array(row[0..<keyNames.count])], &rowArguments)
                let assignments = columns.map { "\(SQL.quote($0)) = ?" }.joined(separator: ", ")
                _ = try runner.run(SQLStatement(sql: "UPDATE \(SQL.quote(table.name)) SET \(assignments) WHERE \(rowMatch)", arguments: rowArguments))
            }
        }
    }

    /// Whether a change would alter a column's value; false once the value is erased.
    private func condition(_ change: ColumnChange, _ column: String, _ arguments: inout [SQLStatement.Argument]) -> String {
        switch change.kind {
        case .null:
            return "\(column) IS NOT NULL"
        case .value(let value):
            arguments.append(.value(value))
            return "\(column) \(dialect.isDistinctFrom) ?"
        case .pseudonymise:
            return "(\(column) IS NOT NULL AND NOT (\(column) LIKE '\(SubjectKeyring.pseudonymPrefix.replacingOccurrences(of: "_", with: "\\_"))%' ESCAPE '\\' AND length(\(column)) = \(SubjectKeyring.pseudonymLength)))"
        case .fillIfNull:
            return "\(column) IS NULL"
        }
    }

    private func keyColumns(of table: MappedTable) -> [String] {
        let primaryKey = schema.tables[table.name]?.primaryKey ?? []
        return primaryKey.isEmpty ? [dialect.rowIdentity] : primaryKey
    }

    /// `"id" IN (?, ?)` or, for a composite key, `("a" = ? AND "b" = ?) OR …`: each value
    /// beside the column it is compared with, so PostgreSQL types it from that column
    /// (inside `VALUES` it would be text, and `bigint = text` does not exist).
    private func keyMatch(_ table: MappedTable, _ keys: [[StoreValue]], _ arguments: inout [SQLStatement.Argument]) -> String {
        let columns = keyColumns(of: table)
        arguments += keys.flatMap { $0.map { .value($0) } }
        let quoted = columns.map { $0 == dialect.rowIdentity ? $0 : SQL.quote($0) }
        if columns.count == 1 {
            return "\(quoted[0]) IN (\(Self.placeholders(keys.count)))"
        }
        let oneKey = "(" + quoted.map { "\($0) = ?" }.joined(separator: " AND ") + ")"
        return "(" + Array(repeating: oneKey, count: keys.count).joined(separator: " OR ") + ")"
    }

    package static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }
}

extension Array {
    /// The array in consecutive pieces of at most `size` elements.
    package func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
