/// The statements every SQL store runs to find and read people, built once for all store
/// kinds (the store's dialect binds a list of keys as one parameter).
package struct StoreQuery {
    package let map: DataMap
    package let dialect: SQLDialect

    package init(map: DataMap, dialect: SQLDialect) {
        self.map = map
        self.dialect = dialect
    }

    /// (stored identity value, subject key) of the rows whose identity column, as the store
    /// compares it (`normalized`), is one of `spellings`: one indexed `IN` list. A phone's
    /// rows come with the person's country too, when the map names the column, for reading
    /// a national spelling in the right region.
    package func matches(of identity: DataMap.Identity, spelled spellings: [String]) -> SQLStatement? {
        guard let read = read(identity) else { return nil }
        let selected = [read.column, read.path.subjectKey] + read.country
        let compared = Self.normalized(read.column, identity.normalization)
        return SQLStatement(sql: "SELECT DISTINCT \(selected.joined(separator: ", ")) FROM \(read.path.fromClause) WHERE \(compared) \(dialect.keyListMembership)",
                            arguments: [.keyList(spellings.map { dialect.typed($0, identity.table, identity.column) })])
    }

    /// Up to `limit` stored values of an identity (and, for a phone, its person's country
    /// where the map names the column), for `datamap check` to read.
    package func sample(of identity: DataMap.Identity, limit: Int) -> SQLStatement? {
        guard let read = read(identity) else { return nil }
        let selected = [read.column] + read.country
        return SQLStatement(sql: "SELECT \(selected.joined(separator: ", ")) FROM \(read.path.fromClause) WHERE \(read.column) IS NOT NULL LIMIT \(limit)")
    }

    /// How a query reads an identity: its table's path to the subject, its column, and for a
    /// phone the person's country column where the map names one (none, or one expression).
    private func read(_ identity: DataMap.Identity) -> (path: SubjectPathQuery, column: String, country: [String])? {
        guard let table = map.table(named: identity.table) else { return nil }
        let country = identity.normalization == .phone ? map.subject.countryColumn : nil
        let path = SubjectPathQuery(table: table, map: map, joining: country == nil ? [] : [map.subject.table])
        return (path, path.column(identity.column), country.map { [path.column($0, of: map.subject.table)] } ?? [])
    }

    /// (stored identity value, subject key) of every row whose identity holds text that is
    /// not plain ASCII: the rows a value with too many spellings to list can be among.
    package func nonASCIIMatches(of identity: DataMap.Identity) -> SQLStatement? {
        guard let table = map.table(named: identity.table) else { return nil }
        let path = SubjectPathQuery(table: table, map: map)
        let column = path.column(identity.column)
        return SQLStatement(sql: "SELECT DISTINCT \(column), \(path.subjectKey) FROM \(path.fromClause) WHERE length(\(column)) <> \(dialect.byteLength(column))")
    }

    /// The subject key, then `columns`, of every row of `table` belonging to `subjects`,
    /// in primary-key order.
    package func rows(of table: MappedTable, columns: [String], subjects: [StoreValue], primaryKey: [String]) -> SQLStatement {
        let path = SubjectPathQuery(table: table, map: map)
        let selected = ([path.subjectKey] + columns.map(path.column)).joined(separator: ", ")
        let order = primaryKey.isEmpty ? "" : " ORDER BY " + primaryKey.map(path.column).joined(separator: ", ")
        return SQLStatement(sql: "SELECT \(selected) FROM \(path.fromClause) WHERE \(path.subjectKey) \(dialect.keyListMembership)\(order)",
                            arguments: [.keyList(subjects)])
    }

    /// Every subject key.
    package var subjectKeys: SQLStatement {
        SQLStatement(sql: "SELECT \(map.subject.key(of: "s")) FROM \(SQL.quote(map.subject.table)) AS s")
    }

    /// What a stored identity is compared by in SQL: emails as `lower(trim(column))` (an
    /// index on that expression serves the lookup), phones (held in E.164) and exact
    /// identities as they are, so their plain indexes serve.
    package static func normalized(_ column: String, _ normalization: IdentityNormalization) -> String {
        switch normalization {
        case .email: return "lower(trim(\(column)))"
        case .phone, .fodselsnummer, .personnummer, .exact: return column
        }
    }
}

extension DataMap.SubjectTable {
    /// The key as compared, of the subject table under `alias`: the column, or its
    /// normalised form for a segment linked by an identity.
    public func key(of alias: String) -> String {
        comparedKey("\(alias).\(SQL.quote(key))")
    }

    /// A column holding subject keys (the key, or a reference to it), as keys are compared.
    public func comparedKey(_ column: String) -> String {
        keyNormalization.map { StoreQuery.normalized(column, $0) } ?? column
    }
}

extension CustomerStore {
    /// The rows whose identity, normalised as requests' values are, is one of `values`
    /// (normalised): one statement for all values' spellings, and for emails one more when
    /// a value has too many spellings to list (`EmailSpellings`). Every row the store returns
    /// is normalised again in Swift (a phone in its person's country), so only exact matches
    /// count; a personnummer stored without its century matches the twelve digits it ends.
    public func matches(of identity: DataMap.Identity, among values: [String], in map: DataMap) throws -> [IdentityMatch] {
        guard !values.isEmpty else { return [] }
        let query = StoreQuery(map: map, dialect: try dialect)
        let wanted = Set(values)
        var spellings: [String] = []
        var unspelled = false
        for value in wanted.sorted() {
            if let spelled = identity.normalization.spellings(of: value, layouts: identity.layouts) { spellings += spelled } else { unspelled = true }
        }
        let wantedWithoutCentury = identity.normalization == .personnummer
            ? Dictionary(grouping: wanted, by: { String($0.suffix(10)) }) : [:]
        var matches: Set<IdentityMatch> = []
        let collect = { (row: [StoreValue]) in
            guard row[0] != .null else { return }
            let region = row.count > 2 ? PhoneNumber.region(named: row[2].canonicalText) ?? map.phoneRegion : map.phoneRegion
            let value = identity.normalization.storedForm(row[0].canonicalText, phoneRegion: region)
            if wanted.contains(value) { matches.insert(IdentityMatch(value: value, subject: row[1])) }
            for full in wantedWithoutCentury[value] ?? [] where value.count == 10 { matches.insert(IdentityMatch(value: full, subject: row[1])) }
        }
        if !spellings.isEmpty, let statement = query.matches(of: identity, spelled: spellings) { try fetch(statement, collect) }
        if unspelled, let statement = query.nonASCIIMatches(of: identity) { try fetch(statement, collect) }
        return Array(matches)
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
