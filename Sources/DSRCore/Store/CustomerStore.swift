/// A customer store: the company's own database, read and changed only in data-map terms.
///
/// Every method works on a whole batch of subjects with a fixed number of statements (one
/// per table or identity), never one per request or per row.
public protocol CustomerStore: AnyObject, Sendable {
    /// A name for messages, such as "SQLite store /srv/shop.sqlite"; never a password.
    var displayName: String { get }

    /// The rows read and written through this store and its concurrent readers.
    var tally: StoreTally { get }

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

    /// The SQL that differs from other store kinds, for the shared query builders.
    var dialect: SQLDialect { get throws }

    /// Runs a statement of a shared query builder on one consistent read, calling `body`
    /// with each row's values.
    func fetch(_ statement: SQLStatement, _ body: (_ row: [StoreValue]) throws -> Void) throws

    /// Runs statements in one transaction and returns how many rows each changed.
    func execute(_ statements: [SQLStatement]) throws -> [Int]

    /// A second, independent handle on the same store for reads made while this one writes
    /// (the nightly run answers access requests while it carries out erasures), or nil
    /// when such reads would have to wait for the writer.
    func concurrentReader() throws -> CustomerStore?

    /// A read-only handle that sees the store as it is at this call for as long as it
    /// lives: what any connection commits later is not seen (the night counts consents
    /// through one while it changes the store). Nil when it would wait for the writer.
    func snapshotReader() throws -> CustomerStore?

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
