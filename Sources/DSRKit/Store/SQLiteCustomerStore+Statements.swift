import GRDB

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

    public func fetch(_ statement: SQLStatement, pinned: (() -> Void)?, _ body: ([StoreValue]) throws -> Void) throws {
        try read { db in
            if let pinned {
                // A read transaction takes its snapshot at its first read.
                _ = try Row.fetchOne(db, sql: "SELECT 1 FROM sqlite_master LIMIT 1")
                pinned()
            }
            let rows = try Row.fetchCursor(db, sql: statement.sql, arguments: Self.arguments(statement))
            var values: [StoreValue] = []
            var count = 0
            defer { tally.count(read: count) }
            while let row = try rows.next() {
                count += 1
                values.removeAll(keepingCapacity: true)
                for index in 0..<row.count { values.append(Self.storeValue(row[index])) }
                try body(values)
            }
        }
    }

    public func execute(_ statements: [SQLStatement]) throws -> [Int] {
        do {
            let changed = try database.write { db in
                try statements.map { statement in
                    try db.cachedStatement(sql: statement.sql).execute(arguments: Self.arguments(statement))
                    return db.changesCount
                }
            }
            tally.count(written: changed.reduce(0, +))
            return changed
        } catch let error as DatabaseError {
            throw DSRError.io("\(displayName): \(Self.describe(error))")
        }
    }

    /// A list of keys goes to SQLite as one JSON array, whatever its length.
    static func arguments(_ statement: SQLStatement) -> StatementArguments {
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
struct GRDBRunner: StatementRunner {
    let db: Database
    let tally: StoreTally

    func rows(_ statement: SQLStatement) throws -> [[StoreValue]] {
        // Cached: the same few statements run for every subject of the night.
        let rows = try Row.fetchAll(try db.cachedStatement(sql: statement.sql), arguments: SQLiteCustomerStore.arguments(statement)).map { row in
            (0..<row.count).map { SQLiteCustomerStore.storeValue(row[$0]) }
        }
        tally.count(read: rows.count)
        return rows
    }

    func run(_ statement: SQLStatement) throws -> Int {
        try db.cachedStatement(sql: statement.sql).execute(arguments: SQLiteCustomerStore.arguments(statement))
        return db.changesCount
    }
}
