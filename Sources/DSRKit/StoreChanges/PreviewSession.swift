import DSRCore
/// A session for dry runs: reads go to the store, writes only say how many rows they
/// would touch. Every store change runs unmodified on it, so a dry run plans exactly as
/// the real run does.
struct PreviewSession: StoreSession {
    let reads: StoreSession

    func subjectRows(of table: MappedTable, subject: StoreValue, in map: DataMap, changes: [ColumnChange],
                     filter: [String: [String]]) throws -> [SubjectRow] {
        try reads.subjectRows(of: table, subject: subject, in: map, changes: changes, filter: filter)
    }

    func subjectRows(of table: MappedTable, subjects: [StoreValue], in map: DataMap,
                     changes: [ColumnChange]) throws -> [String: [SubjectRow]] {
        try reads.subjectRows(of: table, subjects: subjects, in: map, changes: changes)
    }

    func delete(from table: MappedTable, keys: [[StoreValue]]) throws -> Int { keys.count }

    func update(_ table: MappedTable, _ changes: [ColumnChange], keys: [[StoreValue]]) throws -> Int {
        changes.isEmpty ? 0 : keys.count
    }

    func atomically<T>(_ work: () throws -> T) throws -> T { try work() }
}
