import Foundation
import GRDB

/// A customer store in an SQLite file, through GRDB.
///
/// GRDB keeps statement arguments out of its error messages by default, so a failed query
/// never echoes an email address into a log.
public final class SQLiteCustomerStore: CustomerStore {
    public let displayName: String
    let database: DatabaseQueue
    private var cachedSchema: StoreSchema?

    /// Opens an existing store file; a missing file is a configuration error, not a new,
    /// empty store. The keyring makes `pseudonymise` available to erasure.
    public init(url: URL, keyring: SubjectKeyring? = nil, configuration: GRDB.Configuration = GRDB.Configuration()) throws {
        displayName = "SQLite store \(url.path)"
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DSRError.configuration("\(displayName): file not found")
        }
        var configuration = configuration
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        if let keyring {
            let pseudonym = DatabaseFunction(SQLiteStoreSession.pseudonymFunction, argumentCount: 1, pure: true) { values in
                let value = SQLiteCustomerStore.storeValue(values[0])
                return value == .null ? nil : keyring.pseudonym(value.canonicalText)
            }
            configuration.prepareDatabase { db in db.add(function: pseudonym) }
        }
        do {
            database = try DatabaseQueue(path: url.path, configuration: configuration)
        } catch {
            throw DSRError.configuration("\(displayName): cannot be opened (\(Self.describe(error)))")
        }
    }

    public func schema() throws -> StoreSchema {
        if let cachedSchema { return cachedSchema }
        let schema = try read { db in
            var tables: [String: StoreSchema.Table] = [:]
            let names = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'
                """)
            for name in names {
                let columns = try db.columns(in: name).map {
                    StoreSchema.Column(name: $0.name, declaredType: $0.type, isNotNull: $0.isNotNull,
                                       primaryKeyPosition: $0.primaryKeyIndex > 0 ? $0.primaryKeyIndex : nil)
                }
                tables[name] = StoreSchema.Table(name: name, columns: columns)
            }
            return StoreSchema(tables: tables)
        }
        cachedSchema = schema
        return schema
    }

    public func matches(of identity: DataMap.Identity, among values: [String], in map: DataMap) throws -> [IdentityMatch] {
        guard !values.isEmpty, let table = map.table(named: identity.table) else { return [] }
        let path = SubjectPathQuery(table: table, map: map)
        let column = Self.normalized(path.column(identity.column), identity.normalization)
        let sql = """
            SELECT DISTINCT \(column), \(path.subjectKey) FROM \(path.fromClause)
            WHERE \(column) IN (\(Self.placeholders(values.count)))
            """
        return try read { db in
            var matches: [IdentityMatch] = []
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(values))
            while let row = try rows.next() {
                matches.append(IdentityMatch(value: Self.storeValue(row[0]).canonicalText,
                                             subject: Self.storeValue(row[1])))
            }
            return matches
        }
    }

    public func forEachRow(of table: MappedTable, columns: [String], subjects: [StoreValue], in map: DataMap,
                           _ body: (StoreValue, [StoreValue]) throws -> Void) throws {
        guard !subjects.isEmpty else { return }
        let path = SubjectPathQuery(table: table, map: map)
        let selected = ([path.subjectKey] + columns.map(path.column)).joined(separator: ", ")
        let primaryKey = try schema().tables[table.name]?.primaryKey ?? []
        let order = primaryKey.isEmpty ? "" : " ORDER BY " + primaryKey.map(path.column).joined(separator: ", ")
        let sql = "SELECT \(selected) FROM \(path.fromClause) WHERE \(path.subjectKey) IN (\(Self.placeholders(subjects.count)))\(order)"
        let arguments = StatementArguments(subjects.map(Self.databaseValue))
        try read { db in
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            var values: [StoreValue] = []
            values.reserveCapacity(columns.count)
            while let row = try rows.next() {
                values.removeAll(keepingCapacity: true)
                for index in 1...columns.count { values.append(Self.storeValue(row[index])) }
                try body(Self.storeValue(row[0]), values)
            }
        }
    }

    public func forEachSubjectKey(in map: DataMap, _ body: (StoreValue) throws -> Void) throws {
        try read { db in
            let keys = try DatabaseValue.fetchCursor(db, sql: "SELECT \(SQL.quote(map.subject.key)) FROM \(SQL.quote(map.subject.table))")
            while let key = try keys.next() { try body(Self.storeValue(key)) }
        }
    }

    public func reading<T>(_ work: (StoreSession) throws -> T) throws -> T {
        let schema = try schema()
        return try read { db in try work(SQLiteStoreSession(db: db, schema: schema)) }
    }

    public func writing<T>(_ work: (StoreSession) throws -> T) throws -> T {
        let schema = try schema()
        do {
            return try database.write { db in try work(SQLiteStoreSession(db: db, schema: schema)) }
        } catch let error as DatabaseError {
            throw DSRError.io("\(displayName): \(Self.describe(error))")
        }
    }

    /// Runs a read, turning database errors into I/O errors that name the store.
    func read<T>(_ work: (Database) throws -> T) throws -> T {
        do {
            return try database.read(work)
        } catch let error as DatabaseError {
            throw DSRError.io("\(displayName): \(Self.describe(error))")
        }
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

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }

    static func storeValue(_ value: DatabaseValue) -> StoreValue {
        switch value.storage {
        case .null: return .null
        case .int64(let number): return .integer(number)
        case .double(let number): return .real(number)
        case .string(let text): return .text(text)
        case .blob(let data): return .blob(data)
        }
    }

    static func databaseValue(_ value: StoreValue) -> DatabaseValue {
        switch value {
        case .null: return .null
        case .integer(let number): return number.databaseValue
        case .real(let number): return number.databaseValue
        case .text(let text): return text.databaseValue
        case .blob(let data): return data.databaseValue
        }
    }

    /// A database error without the SQL's arguments (GRDB leaves them out by default).
    static func describe(_ error: Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "unknown")"
        }
        return String(describing: error)
    }
}
