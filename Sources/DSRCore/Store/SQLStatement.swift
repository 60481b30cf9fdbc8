/// A statement built by one of the shared query builders (breach scopes, consents): SQL
/// text with `?` placeholders and its arguments. Stores bind and run it; where SQL
/// dialects differ, the builders ask the store's `SQLDialect`.
public struct SQLStatement: Sendable {
    public var sql: String
    public var arguments: [Argument]

    public enum Argument: Sendable {
        case value(StoreValue)
        /// A list of keys bound as one parameter (see `SQLDialect.keyListMembership`).
        case keyList([StoreValue])
    }

    public init(sql: String, arguments: [Argument] = []) {
        self.sql = sql
        self.arguments = arguments
    }
}

/// The pieces of SQL that differ between store kinds, for the shared query builders.
public struct SQLDialect: Sendable {
    /// `IN (…)` for a bound list of keys, e.g. `IN (SELECT value FROM json_each(?))`.
    public var keyListMembership: String
    /// The date `days` days after a date or timestamp expression, as `YYYY-MM-DD` text.
    public var addingDays: @Sendable (_ expression: String, _ days: Int) -> String
    /// A value given as text, typed for the live column it is compared with.
    public var typed: @Sendable (_ value: String, _ table: String, _ column: String) -> StoreValue
    /// The operator that is true when two values differ, NULL counting as a value.
    public var isDistinctFrom: String
    /// What names a row of a table without a primary key (`rowid`, `ctid`).
    public var rowIdentity: String
    /// The length in bytes of a text expression (beside `length`, its length in characters:
    /// the two differ only for text that is not plain ASCII).
    public var byteLength: @Sendable (_ expression: String) -> String
    /// The SQL expression that pseudonymises a column in the database, if the store can;
    /// otherwise sessions compute pseudonyms in Swift, row by row.
    public var pseudonym: (@Sendable (_ column: String) -> String)?
}
