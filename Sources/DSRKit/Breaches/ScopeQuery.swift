import DSRCore
/// Rows of the store chosen in data-map terms (a breach's scope): the tables, and per
/// table which rows.
public struct ScopeSelection: Sendable {
    public var table: MappedTable
    public var rows: Rows

    public enum Rows: Sendable {
        case all
        /// Rows where every condition holds.
        case matching([ColumnCondition])
        /// Rows of these subjects (keys already resolved from identities).
        case subjects([StoreValue])
    }

    public init(table: MappedTable, rows: Rows) {
        self.table = table
        self.rows = rows
    }
}

/// The SQL that counts and lists the rows and people of a scope, set-based: one statement
/// per table for rows, one for people, however many people are affected.
///
/// Shared by every store kind; the store's dialect says how a list of subject keys becomes
/// one bound parameter (`json_each(?)` in SQLite, `ANY(?)` in PostgreSQL) and how a value
/// is typed for a column.
struct ScopeQuery {
    typealias Statement = SQLStatement
    typealias Argument = SQLStatement.Argument

    let dialect: SQLDialect

    /// Per table: the count of rows and of distinct people in the scope.
    func tableCounts(_ selections: [ScopeSelection], map: DataMap) -> [(table: String, statement: Statement)] {
        grouped(selections).map { table, rows in
            let (path, condition) = predicate(table, rows, map: map)
            return (table.name, Statement(sql: "SELECT count(*), count(DISTINCT \(path.subjectKey)) FROM \(path.fromClause) WHERE \(condition.sql)",
                                          arguments: condition.arguments))
        }
    }

    /// The distinct people of the whole scope, as a subquery of subject keys.
    func subjectKeys(_ selections: [ScopeSelection], map: DataMap) -> Statement {
        var parts: [String] = []
        var arguments: [Argument] = []
        for (table, rows) in grouped(selections) {
            let (path, condition) = predicate(table, rows, map: map)
            parts.append("SELECT \(path.subjectKey) AS subject_key FROM \(path.fromClause) WHERE \(condition.sql)")
            arguments += condition.arguments
        }
        return Statement(sql: parts.joined(separator: " UNION "), arguments: arguments)
    }

    /// The number of distinct people in the scope: `DISTINCT` also for a scope of one table,
    /// where no `UNION` removes the repeats (one person, many orders).
    func peopleCount(_ selections: [ScopeSelection], map: DataMap) -> Statement {
        let keys = subjectKeys(selections, map: map)
        return Statement(sql: "SELECT count(DISTINCT subject_key) FROM (\(keys.sql)) AS affected", arguments: keys.arguments)
    }

    /// Every affected person of the subject table with `columns` of their subject row and,
    /// per mention in `involved` (the breached columns of each table by category), whether
    /// any of their affected rows holds a value in a column of that category: a ticket
    /// holder whose ticket has no health value was not exposed as to health.
    func affectedSubjectsByCategory<Mention: Hashable & Comparable>(_ selections: [ScopeSelection], columns: [String], map: DataMap,
                                                                   involved: [String: [Mention: [String]]]) -> (statement: Statement, categories: [Mention]) {
        let categories = Set(involved.values.flatMap(\.keys)).sorted()
        var parts: [String] = []
        var arguments: [Argument] = []
        for (table, rows) in grouped(selections) {
            let (path, condition) = predicate(table, rows, map: map)
            let flags = categories.enumerated().map { index, category in
                let held = (involved[table.name]?[category] ?? []).map { "\(path.column($0)) IS NOT NULL" }
                return held.isEmpty ? "0 AS c_\(index)" : "CASE WHEN \(held.joined(separator: " OR ")) THEN 1 ELSE 0 END AS c_\(index)"
            }
            parts.append("SELECT \(([path.subjectKey + " AS subject_key"] + flags).joined(separator: ", ")) FROM \(path.fromClause) WHERE \(condition.sql)")
            arguments += condition.arguments
        }
        let flags = categories.indices.map { "max(c_\($0)) AS c_\($0)" }
        let key = "s.\(SQL.quote(map.subject.key))"
        let selected = ([key] + columns.map { "s.\(SQL.quote($0))" } + categories.indices.map { "p.c_\($0)" }).joined(separator: ", ")
        let sql = """
            SELECT \(selected) FROM \(SQL.quote(map.subject.table)) AS s
            JOIN (SELECT \((["subject_key"] + flags).joined(separator: ", ")) FROM (\(parts.joined(separator: " UNION ALL "))) AS affected GROUP BY subject_key) AS p
            ON \(key) = p.subject_key ORDER BY \(key)
            """
        return (Statement(sql: sql, arguments: arguments), categories)
    }

    /// Selections of the same table, in map order, so one statement serves each table.
    private func grouped(_ selections: [ScopeSelection]) -> [(MappedTable, [ScopeSelection.Rows])] {
        var order: [String] = []
        var byTable: [String: (MappedTable, [ScopeSelection.Rows])] = [:]
        for selection in selections {
            if byTable[selection.table.name] == nil { order.append(selection.table.name) }
            byTable[selection.table.name, default: (selection.table, [])].1.append(selection.rows)
        }
        return order.map { byTable[$0]! }
    }

    /// The rows of one table that any of its selections chooses.
    private func predicate(_ table: MappedTable, _ rows: [ScopeSelection.Rows], map: DataMap) -> (SubjectPathQuery, Statement) {
        let path = SubjectPathQuery(table: table, map: map)
        var alternatives: [String] = []
        var arguments: [Argument] = []
        for selection in rows {
            switch selection {
            case .all:
                return (path, Statement(sql: "1 = 1", arguments: []))
            case .subjects(let keys):
                alternatives.append("\(path.subjectKey) \(dialect.keyListMembership)")
                arguments.append(.keyList(keys))
            case .matching(let conditions):
                var tests: [String] = []
                for condition in conditions {
                    let column = path.column(condition.column)
                    let value = { (text: String) in Argument.value(dialect.typed(text, table.name, condition.column)) }
                    switch condition.test {
                    case .oneOf(let values):
                        tests.append("\(column) IN (\(values.map { _ in "?" }.joined(separator: ", ")))")
                        arguments += values.map(value)
                    case .range(let from, let to):
                        if let from {
                            tests.append("\(column) >= ?")
                            arguments.append(value(from))
                        }
                        if let to {
                            // A date alone as the upper end means the whole of that day.
                            if to.count == 10, let day = CalendarDay(iso: to) {
                                tests.append("\(column) < ?")
                                arguments.append(value(day.adding(days: 1).description))
                            } else {
                                tests.append("\(column) <= ?")
                                arguments.append(value(to))
                            }
                        }
                    }
                }
                alternatives.append("(" + tests.joined(separator: " AND ") + ")")
            }
        }
        return (path, Statement(sql: alternatives.joined(separator: " OR "), arguments: arguments))
    }
}
