/// A customer store: the company's own database, read and changed only in data-map terms.
///
/// Every method works on a whole batch of subjects with a fixed number of statements (one
/// per table or identity), never one per request or per row.
public protocol CustomerStore: AnyObject {
    /// A name for messages, such as "SQLite store /srv/shop.sqlite"; never a password.
    var displayName: String { get }

    /// The live tables and columns.
    func schema() throws -> StoreSchema

    /// The subjects whose `identity` equals one of `values` (already normalised), as
    /// (value, subject key) pairs. A value that matches nobody is absent from the result.
    func matches(of identity: DataMap.Identity, among values: [String], in map: DataMap) throws -> [IdentityMatch]

    /// Calls `body` for each row of `table` that belongs to one of `subjects`, with the
    /// values of `columns` in that order. Rows come in primary-key order.
    func forEachRow(of table: MappedTable, columns: [String], subjects: [StoreValue], in map: DataMap,
                    _ body: (_ subject: StoreValue, _ values: [StoreValue]) throws -> Void) throws

    /// Calls `body` with the key of every subject in the store.
    func forEachSubjectKey(in map: DataMap, _ body: (StoreValue) throws -> Void) throws

    /// The rows per table and the distinct people a scope (a breach's) covers.
    func measure(_ scope: [ScopeSelection], in map: DataMap) throws -> ScopeCounts

    /// Calls `body` for each person a scope covers, in key order, with the values of
    /// `columns` of the subject table.
    func forEachAffectedSubject(in scope: [ScopeSelection], columns: [String], in map: DataMap,
                                _ body: (_ subject: StoreValue, _ values: [StoreValue]) throws -> Void) throws

    /// Runs `work` on one consistent read of the store.
    func reading<T>(_ work: (StoreSession) throws -> T) throws -> T

    /// Runs `work` in one transaction: every change commits, or none does.
    func writing<T>(_ work: (StoreSession) throws -> T) throws -> T
}

/// A store row whose identity column matched a request's identity value.
public struct IdentityMatch: Sendable, Hashable {
    public var value: String
    public var subject: StoreValue
}

/// What a scope covers, counted by the store.
public struct ScopeCounts: Sendable, Equatable {
    public var people: Int
    /// Per table of the scope, in scope order: rows and distinct people.
    public var tables: [(table: String, records: Int, people: Int)]

    public static func == (lhs: ScopeCounts, rhs: ScopeCounts) -> Bool {
        lhs.people == rhs.people && lhs.tables.elementsEqual(rhs.tables) { $0 == $1 }
    }
}
