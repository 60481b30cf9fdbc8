/// The statements every SQL store runs to find and read people, built once for all store
/// kinds (the store's dialect binds a list of keys as one parameter).
struct StoreQuery {
    let map: DataMap
    let dialect: SQLDialect

    /// (normalised identity value, subject key) for the values given.
    func matches(of identity: DataMap.Identity, among values: [String]) -> SQLStatement? {
        guard let table = map.table(named: identity.table) else { return nil }
        let path = SubjectPathQuery(table: table, map: map)
        let column = Self.normalized(path.column(identity.column), identity.normalization)
        return SQLStatement(sql: "SELECT DISTINCT \(column), \(path.subjectKey) FROM \(path.fromClause) WHERE \(column) \(dialect.keyListMembership)",
                            arguments: [.keyList(values.map { dialect.typed($0, identity.table, identity.column) })])
    }

    /// The subject key, then `columns`, of every row of `table` belonging to `subjects`,
    /// in primary-key order.
    func rows(of table: MappedTable, columns: [String], subjects: [StoreValue], primaryKey: [String]) -> SQLStatement {
        let path = SubjectPathQuery(table: table, map: map)
        let selected = ([path.subjectKey] + columns.map(path.column)).joined(separator: ", ")
        let order = primaryKey.isEmpty ? "" : " ORDER BY " + primaryKey.map(path.column).joined(separator: ", ")
        return SQLStatement(sql: "SELECT \(selected) FROM \(path.fromClause) WHERE \(path.subjectKey) \(dialect.keyListMembership)\(order)",
                            arguments: [.keyList(subjects)])
    }

    /// Every subject key.
    var subjectKeys: SQLStatement {
        SQLStatement(sql: "SELECT \(SQL.quote(map.subject.key)) FROM \(SQL.quote(map.subject.table))")
    }

    /// The SQL that normalises a stored identity the way requests' values are normalised.
    /// Phone numbers are expected in E.164 in the store and exact identities as they are, so
    /// their indexes serve; emails are folded in SQL (an index on `lower(trim(email))` keeps
    /// that fast too).
    static func normalized(_ column: String, _ normalization: IdentityNormalization) -> String {
        switch normalization {
        case .email: return "lower(trim(\(column)))"
        case .phone, .exact: return column
        }
    }
}

extension CustomerStore {
    public func matches(of identity: DataMap.Identity, among values: [String], in map: DataMap) throws -> [IdentityMatch] {
        guard !values.isEmpty, let statement = StoreQuery(map: map, dialect: try dialect).matches(of: identity, among: values) else { return [] }
        var matches: [IdentityMatch] = []
        try fetch(statement) { row in matches.append(IdentityMatch(value: row[0].canonicalText, subject: row[1])) }
        return matches
    }

    public func forEachRow(of table: MappedTable, columns: [String], subjects: [StoreValue], in map: DataMap,
                           _ body: (StoreValue, [StoreValue]) throws -> Void) throws {
        guard !subjects.isEmpty else { return }
        let primaryKey = try schema().tables[table.name]?.primaryKey ?? []
        let statement = StoreQuery(map: map, dialect: try dialect).rows(of: table, columns: columns, subjects: subjects, primaryKey: primaryKey)
        var values: [StoreValue] = []
        values.reserveCapacity(columns.count)
        try fetch(statement) { row in
            values.removeAll(keepingCapacity: true)
            values.append(contentsOf: row[1...])
            try body(row[0], values)
        }
    }

    public func forEachSubjectKey(in map: DataMap, _ body: (StoreValue) throws -> Void) throws {
        try fetch(StoreQuery(map: map, dialect: try dialect).subjectKeys) { row in try body(row[0]) }
    }
}
