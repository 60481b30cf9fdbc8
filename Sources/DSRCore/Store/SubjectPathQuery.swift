/// The FROM clause that joins a mapped table to its subject along the data map's
/// references, and the expression that yields each row's subject key.
///
/// Shared by every store kind: only placeholders and a few functions differ between SQL
/// dialects, and identifiers are quoted the same way in SQLite and PostgreSQL.
public struct SubjectPathQuery {
    /// `"orders" AS t0 JOIN "customers" AS t1 ON …`
    public let fromClause: String
    /// The SQL expression of the subject key, e.g. `t1."customer_id"`.
    public let subjectKey: String
    /// The alias of each joined table by name; the mapped table itself is `t0`.
    private let aliases: [String: String]
    private let ownAlias: String

    /// - Parameter joining: tables on the path whose columns the query needs; the subject
    ///   table is joined only when needed, since the last reference usually holds its key.
    /// - Parameter aliasPrefix: table aliases are the prefix and a number (`t0`, `t1`, …);
    ///   another prefix lets the same path appear twice in one statement.
    public init(table: MappedTable, map: DataMap, joining needed: Set<String> = [], aliasPrefix: String = "t") {
        let t = aliasPrefix
        var from = "\(SQL.quote(table.name)) AS \(t)0"
        var subjectKey = map.subject.key(of: "\(t)0")
        var aliases = [table.name: "\(t)0"]
        for (index, hop) in table.pathToSubject.enumerated() {
            let source = "\(t)\(index)"
            let isLastHop = index == table.pathToSubject.count - 1
            if isLastHop && hop.targetColumn == map.subject.key && !needed.contains(hop.targetTable) {
                subjectKey = map.subject.comparedKey("\(source).\(SQL.quote(hop.column))")
                break
            }
            let target = "\(t)\(index + 1)"
            from += " JOIN \(SQL.quote(hop.targetTable)) AS \(target) ON \(source).\(SQL.quote(hop.column)) = \(target).\(SQL.quote(hop.targetColumn))"
            subjectKey = map.subject.key(of: target)
            aliases[hop.targetTable] = target
        }
        self.fromClause = from
        self.subjectKey = subjectKey
        self.aliases = aliases
        self.ownAlias = "\(t)0"
    }

    /// The qualified expression of one of the mapped table's own columns.
    public func column(_ name: String) -> String { "\(ownAlias).\(SQL.quote(name))" }

    /// The qualified expression of a column of a table on the path (joined on request).
    public func column(_ name: String, of table: String) -> String { "\(aliases[table]!).\(SQL.quote(name))" }
}

/// SQL text helpers common to every store kind.
public enum SQL {
    /// A quoted identifier: works for mixed case, spaces and names that are SQL keywords.
    public static func quote(_ identifier: String) -> String {
        // Statements are built per subject: Foundation's search for a quote that is almost
        // never there showed in the erasure profile.
        guard identifier.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + identifier + "\"" }
        return "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
