import Foundation
import GRDB

extension PostgresCustomerStore {
    /// The table that marks a database's tables as loaded by dsr (the demo, the tests), so
    /// a later load may replace them; tables of a database without it are never dropped.
    package static let markerTable = "dsr_loaded_tables"

    /// Copies every table of an SQLite store into this database: columns (types mapped to
    /// bigint, double precision, bytea and text), primary keys, rows (1,000 per statement),
    /// indexes and the foreign keys that refer to a primary key. Tables an earlier load made are replaced; any other table of the same
    /// name stops the load before anything is written.
    public func load(fromSQLite url: URL) throws {
        let source = try DatabaseQueue(path: url.path, configuration: { var c = GRDB.Configuration(); c.readonly = true; return c }())
        let tables = try source.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
        }
        let existing = Set(try schema().tables.keys)
        let loadedBefore = existing.contains(Self.markerTable)
            ? Set(try run(SQLStatement(sql: "SELECT name FROM \(SQL.quote(Self.markerTable))")).rows.map { $0[0].canonicalText }) : []
        if let clash = tables.first(where: { existing.contains($0) && !loadedBefore.contains($0) }) {
            throw DSRError.cannotCreate("\(displayName): table '\(clash)' already exists and was not loaded by dsr; use an empty database")
        }
        var statements = [SQLStatement(sql: "CREATE TABLE IF NOT EXISTS \(SQL.quote(Self.markerTable)) (name text PRIMARY KEY)")]
        statements += loadedBefore.sorted().map { SQLStatement(sql: "DROP TABLE IF EXISTS \(SQL.quote($0)) CASCADE") }
        statements.append(SQLStatement(sql: "DELETE FROM \(SQL.quote(Self.markerTable))"))
        _ = try execute(statements)
        for table in tables {
            let columns = try source.read { db in try db.columns(in: table) }
            let primaryKey = columns.filter { $0.primaryKeyIndex > 0 }.sorted { $0.primaryKeyIndex < $1.primaryKeyIndex }
                .map { SQL.quote($0.name) }
            let definitions = columns.map { "\(SQL.quote($0.name)) \(Self.postgresType($0.type))\($0.isNotNull ? " NOT NULL" : "")" }
                + (primaryKey.isEmpty ? [] : ["PRIMARY KEY (\(primaryKey.joined(separator: ", ")))"])
            _ = try execute([SQLStatement(sql: "CREATE TABLE \(SQL.quote(table)) (\(definitions.joined(separator: ", ")))"),
                             SQLStatement(sql: "INSERT INTO \(SQL.quote(Self.markerTable)) (name) VALUES (?)", arguments: [.value(.text(table))])])
            try copyRows(of: table, columns: columns.map(\.name), from: source)
        }
        let indexes = try source.read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid")
        }
        _ = try execute(indexes.map { SQLStatement(sql: $0) })
        // Foreign keys to a primary key, as PostgreSQL requires a unique target (SQLite does not).
        let keys = try source.read { db in
            try tables.flatMap { table in
                try SQLiteCustomerStore.foreignKeys(of: table, db).filter { key in
                    let primaryKey = try db.columns(in: key.targetTable).filter { $0.primaryKeyIndex > 0 }
                        .sorted { $0.primaryKeyIndex < $1.primaryKeyIndex }.map(\.name)
                    return primaryKey == key.targetColumns
                }
            }
        }
        _ = try execute(keys.map { key in
            SQLStatement(sql: "ALTER TABLE \(SQL.quote(key.table)) ADD FOREIGN KEY (\(key.columns.map(SQL.quote).joined(separator: ", "))) "
                         + "REFERENCES \(SQL.quote(key.targetTable)) (\(key.targetColumns.map(SQL.quote).joined(separator: ", "))) ON DELETE \(key.onDelete.rawValue)")
        })
        for table in tables { _ = try run(SQLStatement(sql: "ANALYZE \(SQL.quote(table))")) }
        schemaCache.forget()
    }

    private func copyRows(of table: String, columns: [String], from source: DatabaseQueue) throws {
        let batch = 1000
        let insert = "INSERT INTO \(SQL.quote(table)) (\(columns.map(SQL.quote).joined(separator: ", "))) VALUES "
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        var rows: [SQLStatement.Argument] = []
        var count = 0
        func flush() throws {
            guard count > 0 else { return }
            _ = try execute([SQLStatement(sql: insert + Array(repeating: tuple, count: count).joined(separator: ", "), arguments: rows)])
            rows.removeAll(keepingCapacity: true)
            count = 0
        }
        try source.read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT \(columns.map(SQL.quote).joined(separator: ", ")) FROM \(SQL.quote(table)) ORDER BY rowid")
            while let row = try cursor.next() {
                rows += (0..<columns.count).map { .value(SQLiteCustomerStore.storeValue(row[$0])) }
                count += 1
                if count == batch { try flush() }
            }
        }
        try flush()
    }

    package static func postgresType(_ declared: String) -> String {
        let type = declared.uppercased()
        if type.contains("INT") { return "bigint" }
        if ["REAL", "FLOA", "DOUB"].contains(where: type.contains) { return "double precision" }
        if type.contains("BLOB") { return "bytea" }
        return "text"
    }
}
