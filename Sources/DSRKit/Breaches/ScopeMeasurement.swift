import DSRCore
import Foundation

/// What a breach's scope covers in the store: approximate numbers of people and records
/// and the categories of data, as Art. 33(3)(a) asks for them.
public struct ScopeMeasurement: Sendable, Codable, Equatable {
    /// Distinct people across every table of the scope.
    public var people: Int
    /// Rows across every table of the scope.
    public var records: Int
    public var tables: [Table]
    /// The categories of the columns involved, without duplicates, sorted.
    public var categories: [DataCategory]
    /// Those of them that are special categories (Art. 9) or about offences (Art. 10).
    public var specialCategories: [DataCategory]
    /// Lines of identities files, and how many of them named no one in the store.
    public var identitiesListed: Int
    public var identitiesUnmatched: Int
    public var measuredAt: Date

    public struct Table: Sendable, Codable, Equatable {
        public var table: String
        public var records: Int
        public var people: Int
        public var columns: [String]
        public var categories: [DataCategory]
    }

    /// Measures a breach's scope on the store: identities files are resolved to people,
    /// then the store counts with a fixed number of statements.
    public static func measure(_ breach: Breach, map: DataMap, store: CustomerStore, parser: RequestFileParser,
                               at date: Date) throws -> ScopeMeasurement {
        let resolved = try AffectedIdentities.selections(for: breach.scope, map: map, store: store, parser: parser)
        let query = ScopeQuery(dialect: try store.dialect)
        var counts: [(table: String, records: Int, people: Int)] = []
        for (table, statement) in query.tableCounts(resolved.selections, map: map) {
            try store.fetch(statement) { row in counts.append((table, row[0].count, row[1].count)) }
        }
        var people = 0
        try store.fetch(query.peopleCount(resolved.selections, map: map)) { row in people = row[0].count }
        var columnsByTable: [String: [String]] = [:]
        for entry in breach.scope {
            columnsByTable[entry.table, default: []] += entry.columns.filter { !(columnsByTable[entry.table] ?? []).contains($0) }
        }
        let tables = counts.map { count in
            let columns = columnsByTable[count.table] ?? []
            let mapped = map.table(named: count.table)
            let categories = Set(columns.compactMap { mapped?.column(named: $0)?.category }).subtracting([.none]).sorted()
            return Table(table: count.table, records: count.records, people: count.people, columns: columns, categories: categories)
        }
        let categories = Set(tables.filter { $0.records > 0 }.flatMap(\.categories)).sorted()
        return ScopeMeasurement(
            people: people, records: tables.reduce(0) { $0 + $1.records }, tables: tables, categories: categories,
            specialCategories: categories.filter { $0.isSpecialCategory || $0 == .criminal },
            identitiesListed: resolved.listed, identitiesUnmatched: resolved.unmatched, measuredAt: date)
    }
}
