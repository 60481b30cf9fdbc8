import Foundation
import GRDB

/// A customer store in an SQLite file, through GRDB.
///
/// GRDB keeps statement arguments out of its error messages by default, so a failed query
/// never echoes an email address into a log.
public final class SQLiteCustomerStore: CustomerStore {
    public let displayName: String
    package let url: URL
    /// A queue on the file; a `DatabaseSnapshot` for a snapshot reader.
    package let database: any DatabaseReader
    public let tally: StoreTally
    /// The SQL function that pseudonymises a value; registered on every connection.
    package static let pseudonymFunction = "dsr_pseudonym"
    private let schemaCache = SchemaCache()

    /// Opens an existing store file; a missing file is a configuration error, not a new,
    /// empty store. The keyring makes `pseudonymise` available to erasure.
    public init(url: URL, keyring: SubjectKeyring? = nil, configuration: GRDB.Configuration = GRDB.Configuration(),
                tally: StoreTally = StoreTally()) throws {
        displayName = "SQLite store \(url.path)"
        self.url = url
        self.tally = tally
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DSRError.configuration("\(displayName): file not found")
        }
        var configuration = configuration
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        if let keyring {
            let pseudonym = DatabaseFunction(Self.pseudonymFunction, argumentCount: 1, pure: true) { values in
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

    /// A store over a snapshot of `store`'s file.
    private init(snapshotOf store: SQLiteCustomerStore, _ snapshot: DatabaseSnapshot) throws {
        displayName = store.displayName
        url = store.url
        tally = store.tally
        database = snapshot
        schemaCache.keep(try store.schema())
    }

    /// A read-only connection, when the file is in WAL mode: only then do readers and the
    /// writer not wait for each other. The store's journal mode is the owner's to choose;
    /// dsr never changes it.
    public func concurrentReader() throws -> CustomerStore? {
        guard try isInWALMode() else { return nil }
        let reader = try SQLiteCustomerStore(url: url, configuration: Self.readOnly, tally: tally)
        reader.schemaCache.keep(try schema())
        return reader
    }

    /// GRDB's snapshot of a read-only pool on the file, when it is in WAL mode.
    public func snapshotReader() throws -> CustomerStore? {
        guard try isInWALMode() else { return nil }
        do {
            return try SQLiteCustomerStore(snapshotOf: self, try DatabasePool(path: url.path, configuration: Self.readOnly).makeSnapshot())
        } catch let error as DatabaseError {
            throw storeError(error)
        }
    }

    private static var readOnly: GRDB.Configuration {
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        return configuration
    }

    private func isInWALMode() throws -> Bool {
        try read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }?.lowercased() == "wal"
    }

    /// The queue that writes; a snapshot reader has none.
    package var writer: any DatabaseWriter {
        get throws {
            guard let writer = database as? any DatabaseWriter else { throw DSRError.io("\(displayName): a snapshot reader cannot write") }
            return writer
        }
    }

    public func schema() throws -> StoreSchema {
        try schemaCache.schema(readSchema)
    }

    /// The live tables and columns, from the catalogue.
    private func readSchema() throws -> StoreSchema {
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
                tables[name] = StoreSchema.Table(name: name, columns: columns, indexes: try Self.indexes(of: name, columns: columns, db),
                                                 foreignKeys: try Self.foreignKeys(of: name, db))
            }
            return StoreSchema(tables: tables)
        }
        return schema
    }

    /// A table's indexes by leading key: declared ones from their SQL, those SQLite makes
    /// for primary keys and unique constraints from their first column, and the rowid of an
    /// `INTEGER PRIMARY KEY`.
    private static func indexes(of table: String, columns: [StoreSchema.Column], _ db: Database) throws -> [StoreSchema.Index] {
        var indexes: [StoreSchema.Index] = []
        let primaryKey = columns.filter { $0.primaryKeyPosition != nil }
        if primaryKey.count == 1, primaryKey[0].declaredType.uppercased() == "INTEGER" {
            indexes.append(StoreSchema.Index(name: "primary key", leadingKey: StoreSchema.comparableKey(primaryKey[0].name)))
        }
        for row in try Row.fetchAll(db, sql: "SELECT name FROM pragma_index_list(?)", arguments: [table]) {
            let name: String = row["name"]
            let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", arguments: [name])
            let leading = try sql.flatMap(StoreSchema.leadingKey(ofIndexDefinition:))
                ?? String.fetchOne(db, sql: "SELECT name FROM pragma_index_info(?) WHERE seqno = 0", arguments: [name]).map(StoreSchema.comparableKey)
            if let leading { indexes.append(StoreSchema.Index(name: name, leadingKey: leading)) }
        }
        return indexes
    }

    /// A table's foreign keys from `pragma_foreign_key_list`, columns in key order; a key
    /// naming no target columns refers to the target's primary key.
    package static func foreignKeys(of table: String, _ db: Database) throws -> [StoreSchema.ForeignKey] {
        let rows = try Row.fetchAll(db, sql: #"SELECT id, seq, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq"#,
                                    arguments: [table])
        var keys: [Int: StoreSchema.ForeignKey] = [:]
        for row in rows {
            let id: Int = row["id"]
            let target: String = row["table"]
            var key = keys[id] ?? StoreSchema.ForeignKey(
                name: "\(table) foreign key \(id + 1)", table: table, columns: [], targetTable: target, targetColumns: [],
                onDelete: StoreSchema.ForeignKey.Action(rawValue: (row["on_delete"] as String?)?.uppercased() ?? "") ?? .noAction)
            key.columns.append(row["from"])
            if let to: String = row["to"] { key.targetColumns.append(to) }
            keys[id] = key
        }
        var result: [StoreSchema.ForeignKey] = []
        for (_, var key) in keys.sorted(by: { $0.key < $1.key }) {
            if key.targetColumns.isEmpty {
                key.targetColumns = try db.columns(in: key.targetTable).filter { $0.primaryKeyIndex > 0 }
                    .sorted { $0.primaryKeyIndex < $1.primaryKeyIndex }.map(\.name)
            }
            result.append(key)
        }
        return result
    }

    public func reading<T>(_ work: (StoreSession) throws -> T) throws -> T {
        let session = try self.session
        return try read { db in try work(session(GRDBRunner(db: db, tally: tally))) }
    }

    public func writing<T>(_ work: (StoreSession) throws -> T) throws -> T {
        let session = try self.session
        do {
            return try tally.keepingWrites {
                try writer.write { db in try work(session(GRDBRunner(db: db, tally: tally))) }
            }
        } catch let error as DatabaseError {
            throw storeError(error)
        }
    }

    /// A store error: a machine fault when the machine caused it, else an I/O error naming
    /// the statement's trouble (a constraint, say), which is the request's.
    package func storeError(_ error: DatabaseError) -> DSRError {
        let message = "\(displayName): \(Self.describe(error))"
        return MachineFault.isMachineFault(error) ? DSRError.machineFault(message) : DSRError.io(message)
    }

    /// A session over a runner; pseudonyms come from the SQL function registered on every
    /// connection.
    private var session: (GRDBRunner) -> SQLStoreSession {
        get throws {
            let schema = try schema()
            let dialect = try dialect
            let tally = tally
            return { SQLStoreSession(runner: $0, schema: schema, dialect: dialect, keyring: nil, tally: tally) }
        }
    }

    /// Runs a read, turning database errors into I/O errors that name the store.
    package func read<T>(_ work: (Database) throws -> T) throws -> T {
        do {
            return try database.read(work)
        } catch let error as DatabaseError {
            throw storeError(error)
        }
    }

    package static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }

    package static func storeValue(_ value: DatabaseValue) -> StoreValue {
        switch value.storage {
        case .null: return .null
        case .int64(let number): return .integer(number)
        case .double(let number): return .real(number)
        case .string(let text): return .text(text)
        case .blob(let data): return .blob(data)
        }
    }

    package static func databaseValue(_ value: StoreValue) -> DatabaseValue {
        switch value {
        case .null: return .null
        case .integer(let number): return number.databaseValue
        case .real(let number): return number.databaseValue
        case .decimal(let digits), .text(let digits): return digits.databaseValue
        case .blob(let data): return data.databaseValue
        }
    }

    /// A database error without the SQL's arguments (GRDB leaves them out by default).
    package static func describe(_ error: Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "unknown")"
        }
        return String(describing: error)
    }
}
