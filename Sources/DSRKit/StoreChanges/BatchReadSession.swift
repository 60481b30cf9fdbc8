import DSRCore
/// A session that reads a table's rows for all the subjects of a batch with one query, the
/// first time any of them asks, and gives each subject its rows from that read once.
///
/// The read stands for the subject's own query made later in the same transaction because
/// a row belongs to one subject only (the data map's path leads each row to one subject)
/// and a subject's changes touch only its rows; tables are read children first, so a
/// subject's changes to one table do not alter what the next table's read found for it. A
/// subject that asks again (a second request for the same person in the batch) is read
/// afresh. A change to a column that links rows to their subject (a rectified reference)
/// can move rows to another person: from then on every session of the batch reads each
/// person afresh.
final class BatchReadSession: StoreSession {
    /// What the sessions of one batch share: the columns that link rows to subjects, and
    /// whether one of them has been changed.
    final class Batch {
        fileprivate let links: Set<ColumnLink>
        fileprivate var relinked = false

        init(map: DataMap) {
            var links: Set<ColumnLink> = [ColumnLink(table: map.subject.table, column: map.subject.key)]
            for table in map.tables {
                for reference in table.pathToSubject {
                    links.insert(ColumnLink(table: reference.table, column: reference.column))
                    links.insert(ColumnLink(table: reference.targetTable, column: reference.targetColumn))
                }
            }
            self.links = links
        }
    }

    fileprivate struct ColumnLink: Hashable {
        var table: String
        var column: String
    }

    private let session: StoreSession
    private let subjects: [StoreValue]
    private let batch: Batch
    private var read: [Query: [String: [SubjectRow]]] = [:]

    private struct Query: Hashable {
        var table: String
        var changes: [ColumnChange]
    }

    init(_ session: StoreSession, subjects: [StoreValue], batch: Batch) {
        self.session = session
        self.subjects = subjects
        self.batch = batch
    }

    func subjectRows(of table: MappedTable, subject: StoreValue, in map: DataMap, changes: [ColumnChange],
                     filter: [String: [String]]) throws -> [SubjectRow] {
        guard filter.isEmpty, subjects.count > 1, !batch.relinked else {
            return try session.subjectRows(of: table, subject: subject, in: map, changes: changes, filter: filter)
        }
        let query = Query(table: table.name, changes: changes)
        if read[query] == nil {
            let found = try session.subjectRows(of: table, subjects: subjects, in: map, changes: changes)
            read[query] = Dictionary(subjects.map { ($0.canonicalText, found[$0.canonicalText] ?? []) }) { first, _ in first }
        }
        if let rows = read[query]!.removeValue(forKey: subject.canonicalText) { return rows }
        return try session.subjectRows(of: table, subject: subject, in: map, changes: changes, filter: filter)
    }

    func subjectRows(of table: MappedTable, subjects: [StoreValue], in map: DataMap,
                     changes: [ColumnChange]) throws -> [String: [SubjectRow]] {
        try session.subjectRows(of: table, subjects: subjects, in: map, changes: changes)
    }

    func delete(from table: MappedTable, keys: [[StoreValue]]) throws -> Int {
        try session.delete(from: table, keys: keys)
    }

    func update(_ table: MappedTable, _ changes: [ColumnChange], keys: [[StoreValue]]) throws -> Int {
        if changes.contains(where: { batch.links.contains(ColumnLink(table: table.name, column: $0.column)) }) {
            batch.relinked = true
        }
        return try session.update(table, changes, keys: keys)
    }

    func atomically<T>(_ work: () throws -> T) throws -> T {
        try session.atomically(work)
    }
}
