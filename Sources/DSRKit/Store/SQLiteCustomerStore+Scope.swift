import GRDB

extension SQLiteCustomerStore {
    public func measure(_ scope: [ScopeSelection], in map: DataMap) throws -> ScopeCounts {
        let query = try scopeQuery()
        return try read { db in
            var tables: [(table: String, records: Int, people: Int)] = []
            for (table, statement) in query.tableCounts(scope, map: map) {
                let row = try Row.fetchOne(db, sql: statement.sql, arguments: Self.arguments(statement))!
                tables.append((table, row[0], row[1]))
            }
            let people = query.peopleCount(scope, map: map)
            return ScopeCounts(people: try Int.fetchOne(db, sql: people.sql, arguments: Self.arguments(people)) ?? 0, tables: tables)
        }
    }

    public func forEachAffectedSubject(in scope: [ScopeSelection], columns: [String], in map: DataMap,
                                       _ body: (StoreValue, [StoreValue]) throws -> Void) throws {
        let statement = try scopeQuery().affectedSubjects(scope, columns: columns, map: map)
        try read { db in
            let rows = try Row.fetchCursor(db, sql: statement.sql, arguments: Self.arguments(statement))
            var values: [StoreValue] = []
            while let row = try rows.next() {
                values.removeAll(keepingCapacity: true)
                for index in 0..<columns.count { values.append(Self.storeValue(row[index + 1])) }
                try body(Self.storeValue(row[0]), values)
            }
        }
    }

    private func scopeQuery() throws -> ScopeQuery {
        let schema = try schema()
        return ScopeQuery(keyListMembership: "IN (SELECT value FROM json_each(?))",
                          typed: { schema.typedValue($0, table: $1, column: $2) })
    }

    /// A list of keys goes to SQLite as one JSON array, whatever its length.
    private static func arguments(_ statement: ScopeQuery.Statement) -> StatementArguments {
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
