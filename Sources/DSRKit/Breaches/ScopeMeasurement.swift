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
        /// The table's store, when the data map spans several.
        public var store: String?
        public var records: Int
        public var people: Int
        public var columns: [String]
        public var categories: [DataCategory]
    }

    /// Measures a breach's scope over every store: identities files are resolved to people,
    /// then each store counts with a fixed number of statements. People are counted once:
    /// rows of a linked store count the subject they lead to, or, for someone only that
    /// store holds, the identity value they are found by.
    public static func measure(_ breach: Breach, stores: StoreSet, parser: RequestFileParser,
                               at date: Date) throws -> ScopeMeasurement {
        let resolved = try AffectedIdentities.selections(for: breach.scope, stores: stores, parser: parser)
        var counts: [(table: String, store: String?, records: Int, people: Int)] = []
        var subjects: Set<StoreValue> = []
        var unlinked: Set<String> = []
        // Within one store the store counts the people; across stores their keys are brought
        // together here.
        var peopleInOneStore: Int?
        for (index, bound) in stores.segments.enumerated() where !resolved.selections[index].isEmpty {
            let selections = resolved.selections[index]
            let query = ScopeQuery(dialect: try bound.store.dialect)
            for (table, statement) in query.tableCounts(selections, map: bound.map) {
                try bound.store.fetch(statement) { row in
                    counts.append((table, stores.isLinked ? bound.storeName : nil, row[0].count, row[1].count))
                }
            }
            guard stores.isLinked else {
                try bound.store.fetch(query.peopleCount(selections, map: bound.map)) { row in peopleInOneStore = row[0].count }
                continue
            }
            guard index > 0 else {
                try bound.store.fetch(query.subjectKeys(selections, map: bound.map)) { row in subjects.insert(row[0]) }
                continue
            }
            // A linked table's people are those its rows lead to, counted as the whole scope
            // counts them (a shared address is two customers), so a one-table scope gives one
            // figure; someone only linked stores hold is one person per identity value,
            // whichever store holds them.
            let tag = bound.segment.link.map { link -> String in
                if case .identity(let name, _) = link { return name } else { return "segment \(index)" }
            } ?? ""
            for table in Set(selections.map(\.table.name)).sorted() {
                var keys: [StoreValue] = []
                try bound.store.fetch(query.subjectKeys(selections.filter { $0.table.name == table }, map: bound.map)) { row in keys.append(row[0]) }
                var tableSubjects: Set<StoreValue> = []
                var tableUnlinked: Set<String> = []
                try LinkResolver(stores: stores).forEachSubject(linkedBy: keys, in: index) { value, found in
                    if found.isEmpty { tableUnlinked.insert("\(tag):\(value)") } else { tableSubjects.formUnion(found) }
                }
                subjects.formUnion(tableSubjects)
                unlinked.formUnion(tableUnlinked)
                if let position = counts.lastIndex(where: { $0.table == table && $0.store == bound.storeName }) {
                    counts[position].people = tableSubjects.count + tableUnlinked.count
                }
            }
        }
        var columnsByTable: [String: [String]] = [:]
        for entry in breach.scope {
            columnsByTable[entry.table, default: []] += entry.columns.filter { !(columnsByTable[entry.table] ?? []).contains($0) }
        }
        let map = stores.segments.reduce(into: [String: MappedTable]()) { tables, bound in
            for table in bound.map.tables { tables[table.name] = table }
        }
        let tables = counts.map { count in
            let columns = columnsByTable[count.table] ?? []
            let categories = Set(columns.compactMap { map[count.table]?.column(named: $0) }.flatMap { [$0.category] + $0.mayHold })
                .subtracting([.none]).sorted()
            return Table(table: count.table, store: count.store, records: count.records, people: count.people, columns: columns,
                         categories: categories)
        }
        let categories = Set(tables.filter { $0.records > 0 }.flatMap(\.categories)).sorted()
        return ScopeMeasurement(
            people: peopleInOneStore ?? subjects.count + unlinked.count, records: tables.reduce(0) { $0 + $1.records }, tables: tables, categories: categories,
            specialCategories: categories.filter { $0.isSpecialCategory || $0 == .criminal },
            identitiesListed: resolved.listed, identitiesUnmatched: resolved.unmatched, measuredAt: date)
    }
}
