import Foundation
import GRDB
import GRDBSQLite

extension SQLiteCustomerStore {
    public var dialect: SQLDialect {
        get throws {
            let schema = try schema()
            return SQLDialect(keyListMembership: "IN (SELECT value FROM json_each(?))",
                              addingDays: { "date(\($0), '\($1 >= 0 ? "+" : "")\($1) days')" },
                              typed: { schema.typedValue($0, table: $1, column: $2) },
                              isDistinctFrom: "IS NOT", rowIdentity: "rowid",
                              byteLength: { "length(CAST(\($0) AS BLOB))" },
                              pseudonym: { "\(Self.pseudonymFunction)(\($0))" })
        }
    }

    public func fetch(_ statement: SQLStatement, _ body: ([StoreValue]) throws -> Void) throws {
        try read { db in
            // The cursor steps this statement; each row's values are read from it directly.
            let prepared = try db.makeStatement(sql: statement.sql)
            let rows = try Row.fetchCursor(prepared, arguments: Self.arguments(statement))
            let columns = prepared.columnCount
            var values: [StoreValue] = []
            var count = 0
            defer { tally.count(read: count) }
            while try rows.next() != nil {
                count += 1
                values.removeAll(keepingCapacity: true)
                for index in 0..<columns { values.append(Self.storeValue(prepared, index)) }
                try body(values)
            }
        }
    }

    public func execute(_ statements: [SQLStatement]) throws -> [Int] {
        do {
            let changed = try writer.write { db in
                try statements.map { statement in
                    try db.cachedStatement(sql: statement.sql).execute(arguments: Self.arguments(statement))
                    return db.changesCount
                }
            }
            tally.count(written: changed.reduce(0, +))
            return changed
        } catch let error as DatabaseError {
            throw storeError(error)
        }
    }

    /// A list of keys goes to SQLite as one JSON array, whatever its length.
    package static func arguments(_ statement: SQLStatement) -> StatementArguments {
        StatementArguments(statement.arguments.map { argument -> DatabaseValue in
            switch argument {
            case .value(let value): return databaseValue(value)
            case .keyList(let keys):
                return ("[" + keys.map { key in
                    switch key {
                    case .integer(let number): return String(number)
                    case .real(let number): return String(number)
                    default: return JSONStreamWriter.quoted(key.canonicalText)
                    }
                }.joined(separator: ",") + "]").databaseValue
            }
        })
    }
}

/// Runs statements on one GRDB connection, inside the transaction its caller opened.
package struct GRDBRunner: StatementRunner {
    package let db: Database
    package let tally: StoreTally

    package func rows(_ statement: SQLStatement) throws -> [[StoreValue]] {
        // Cached: the same few statements run for every subject of the night.
        let prepared = try db.cachedStatement(sql: statement.sql)
        let cursor = try Row.fetchCursor(prepared, arguments: SQLiteCustomerStore.arguments(statement))
        var rows: [[StoreValue]] = []
        while try cursor.next() != nil {
            rows.append((0..<prepared.columnCount).map { SQLiteCustomerStore.storeValue(prepared, $0) })
        }
        tally.count(read: rows.count)
        return rows
    }

    package func run(_ statement: SQLStatement) throws -> Int {
        try db.cachedStatement(sql: statement.sql).execute(arguments: SQLiteCustomerStore.arguments(statement))
        return db.changesCount
    }
}

extension SQLiteCustomerStore {
    /// The value of a column of the statement's current row, read through SQLite's C API
    /// so that text is taken whole, by its length: GRDB reads text as a C string, which
    /// ends at the first NUL character, and an access report must show data as held.
    package static func storeValue(_ statement: Statement, _ index: Int) -> StoreValue {
        let handle = statement.sqliteStatement
        let column = Int32(index)
        switch sqlite3_column_type(handle, column) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, column))
            guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return .blob(Data()) }
            return .blob(Data(bytes: bytes, count: count))
        default:
            guard let text = sqlite3_column_text(handle, column) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        }
    }
}
