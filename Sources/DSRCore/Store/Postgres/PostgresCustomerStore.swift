import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// A customer store in PostgreSQL, through postgres-nio, on one connection used
/// synchronously (dsr's pipeline is a batch job; one connection does one thing at a time).
///
/// The statements are the shared builders' (`StoreQuery`, `SQLStoreSession`,
/// `ScopeQuery`, `ConsentQuery`); this type only connects, binds and runs them. Values are
/// bound as untyped text, as a literal in the SQL would be, so the server types each one
/// from its context: the same statement serves integer, text, date and timestamp columns.
/// Error messages name the store and the SQLSTATE, never a password or a value.
public final class PostgresCustomerStore: CustomerStore {
    public let displayName: String
    private let location: PostgresLocation
    private let connection: PostgresConnection
    /// The statement being waited for. postgres-nio can leave a statement sent on a
    /// connection the server has just cut (a restart, `pg_terminate_backend`) waiting for
    /// ever; the connection's close fails it instead, so a lost store stops the night (74).
    private let inFlight = StatementInFlight()
    private let logger: Logger
    private let keyring: SubjectKeyring?
    public let tally: StoreTally
    package let schemaCache = SchemaCache()
    /// Whether the connection holds a read-only transaction for its whole life (a snapshot
    /// reader): reads run inside it instead of in transactions of their own.
    private let holdsSnapshot: Bool

    /// Connects; a refused connection is an I/O error (74), a refused login or a missing
    /// database a configuration error (78).
    public convenience init(location: PostgresLocation, keyring: SubjectKeyring?, logger: Logger, tally: StoreTally = StoreTally()) throws {
        try self.init(location: location, keyring: keyring, logger: logger, tally: tally, holdingSnapshot: false)
    }

    private init(location: PostgresLocation, keyring: SubjectKeyring?, logger: Logger, tally: StoreTally, holdingSnapshot: Bool) throws {
        displayName = "PostgreSQL store \(location.displayName)"
        self.tally = tally
        self.location = location
        self.keyring = keyring
        self.logger = logger
        holdsSnapshot = holdingSnapshot
        do {
            let configuration = PostgresConnection.Configuration(
                host: location.host, port: location.port, username: location.user, password: try location.password(),
                database: location.database, tls: try Self.tls(location.tls))
            connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                                                        id: 1, logger: logger).wait()
            connection.closeFuture.whenComplete { [inFlight] _ in inFlight.fail() }
        } catch let error as DSRError {
            throw error
        } catch {
            throw Self.connectionError(error, store: "PostgreSQL store \(location.displayName)")
        }
        if holdingSnapshot {
            // A repeatable-read transaction takes its snapshot at its first statement.
            _ = try run(SQLStatement(sql: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            _ = try run(SQLStatement(sql: "SELECT 1"))
        }
    }

    /// postgres-nio's TLS setting for a mode; certificates are verified against the
    /// system's trust roots.
    private static func tls(_ mode: PostgresLocation.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    deinit {
        try? connection.close().wait()
    }

    /// A second connection: PostgreSQL's readers never wait for its writers.
    public func concurrentReader() throws -> CustomerStore? {
        let reader = try PostgresCustomerStore(location: location, keyring: nil, logger: logger, tally: tally)
        reader.schemaCache.keep(try schema())
        return reader
    }

    /// A second connection in a read-only repeatable-read transaction begun now and held
    /// while the reader lives: its reads see the store as it is at this call.
    public func snapshotReader() throws -> CustomerStore? {
        let reader = try PostgresCustomerStore(location: location, keyring: nil, logger: logger, tally: tally, holdingSnapshot: true)
        reader.schemaCache.keep(try schema())
        return reader
    }

    public func schema() throws -> StoreSchema {
        try schemaCache.schema(readSchema)
    }

    /// The live tables and columns, from the catalogue.
    private func readSchema() throws -> StoreSchema {
        let rows = try run(SQLStatement(sql: """
            SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text, k.ordinal_position::bigint
            FROM information_schema.columns c
            LEFT JOIN (
                SELECT u.table_name, u.column_name, u.ordinal_position
                FROM information_schema.table_constraints t
                JOIN information_schema.key_column_usage u
                  ON u.constraint_name = t.constraint_name AND u.table_schema = t.table_schema AND u.table_name = t.table_name
                WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = current_schema()
            ) k ON k.table_name = c.table_name AND k.column_name = c.column_name
            WHERE c.table_schema = current_schema()
            ORDER BY c.table_name, c.ordinal_position
            """)).rows
        var tables: [String: StoreSchema.Table] = [:]
        for row in rows {
            let table = row[0].canonicalText
            let column = StoreSchema.Column(name: row[1].canonicalText, declaredType: row[2].canonicalText,
                                            isNotNull: row[3].canonicalText == "NO",
                                            primaryKeyPosition: row[4] == .null ? nil : row[4].count)
            tables[table, default: StoreSchema.Table(name: table, columns: [])].columns.append(column)
        }
        let indexes = try run(SQLStatement(sql: """
            SELECT tablename::text, indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema()
            """)).rows
        for row in indexes {
            guard let leading = StoreSchema.leadingKey(ofIndexDefinition: row[2].canonicalText) else { continue }
            tables[row[0].canonicalText]?.indexes.append(StoreSchema.Index(name: row[1].canonicalText, leadingKey: leading))
        }
        let keys = try run(SQLStatement(sql: """
            SELECT c.conname::text, t.relname::text, r.relname::text, c.confdeltype::text,
                   array_to_string(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                                         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), chr(31)),
                   array_to_string(ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                                         JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i), chr(31))
            FROM pg_constraint c
            JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE c.contype = 'f' AND n.nspname = current_schema()
            ORDER BY t.relname, c.conname
            """)).rows
        let actions: [String: StoreSchema.ForeignKey.Action] = ["a": .noAction, "r": .restrict, "c": .cascade, "n": .setNull, "d": .setDefault]
        for row in keys {
            let table = row[1].canonicalText
            tables[table]?.foreignKeys.append(StoreSchema.ForeignKey(
                name: row[0].canonicalText, table: table,
                columns: row[4].canonicalText.split(separator: "\u{1F}").map(String.init),
                targetTable: row[2].canonicalText,
                targetColumns: row[5].canonicalText.split(separator: "\u{1F}").map(String.init),
                onDelete: actions[row[3].canonicalText] ?? .noAction))
        }
        let schema = StoreSchema(tables: tables)
        return schema
    }

    public var dialect: SQLDialect {
        get throws {
            let schema = try schema()
            return SQLDialect(keyListMembership: "= ANY(?)",
                              addingDays: { "to_char(CAST(\($0) AS date) + \($1), 'YYYY-MM-DD')" },
                              typed: { schema.typedValue($0, table: $1, column: $2) },
                              isDistinctFrom: "IS DISTINCT FROM", rowIdentity: "ctid",
                              byteLength: { "octet_length(\($0))" }, pseudonym: nil)
        }
    }

    /// Rows come through a cursor, a page at a time, so a list of a million people never
    /// sits in memory whole.
    public func fetch(_ statement: SQLStatement, _ body: ([StoreValue]) throws -> Void) throws {
        try inTransaction(readOnly: true) {
            _ = try run(SQLStatement(sql: "DECLARE dsr_rows NO SCROLL CURSOR FOR " + statement.sql, arguments: statement.arguments))
            while true {
                let page = try run(SQLStatement(sql: "FETCH FORWARD \(Self.pageSize) FROM dsr_rows")).rows
                tally.count(read: page.count)
                for row in page { try body(row) }
                if page.count < Self.pageSize { break }
            }
            // Closed here, not by the transaction's end: a snapshot reader's never ends.
            _ = try run(SQLStatement(sql: "CLOSE dsr_rows"))
        }
    }

    /// Rows per cursor page.
    package static let pageSize = 5000

    public func execute(_ statements: [SQLStatement]) throws -> [Int] {
        let changed = try inTransaction(readOnly: false) { try statements.map { try run($0).changed } }
        tally.count(written: changed.reduce(0, +))
        return changed
    }

    public func reading<T>(_ work: (StoreSession) throws -> T) throws -> T {
        let session = try self.session
        return try inTransaction(readOnly: true) { try work(session) }
    }

    public func writing<T>(_ work: (StoreSession) throws -> T) throws -> T {
        let session = try self.session
        return try tally.keepingWrites { try inTransaction(readOnly: false) { try work(session) } }
    }

    private var session: SQLStoreSession {
        get throws { SQLStoreSession(runner: PostgresRunner(store: self), schema: try schema(), dialect: try dialect, keyring: keyring, tally: tally) }
    }

    /// Runs `work` in one transaction (a consistent snapshot when reading); rolls back
    /// when it throws.
    private func inTransaction<T>(readOnly: Bool, _ work: () throws -> T) throws -> T {
        if holdsSnapshot {
            guard readOnly else { throw DSRError.io("\(displayName): a snapshot reader cannot write") }
            return try work()
        }
        _ = try run(SQLStatement(sql: readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN"))
        do {
            let result = try work()
            _ = try run(SQLStatement(sql: "COMMIT"))
            return result
        } catch {
            _ = try? run(SQLStatement(sql: "ROLLBACK"))
            throw error
        }
    }

    /// Runs one statement: `?` become `$1…`, every argument is bound as untyped text.
    package func run(_ statement: SQLStatement) throws -> (rows: [[StoreValue]], changed: Int) {
        var bindings = PostgresBindings(capacity: statement.arguments.count)
        for argument in statement.arguments {
            switch argument {
            case .value(.null): bindings.appendNull()
            case .value(let value): bindings.append(UntypedText(Self.literal(value)))
            case .keyList(let keys): bindings.append(UntypedText("{" + keys.map(Self.arrayElement).joined(separator: ",") + "}"))
            }
        }
        let query = PostgresQuery(unsafeSQL: Self.numberedPlaceholders(statement.sql), binds: bindings)
        do {
            let answer = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
            inFlight.waitFor(answer)
            defer { inFlight.waitFor(nil) }
            if connection.isClosed { inFlight.fail() }
            connection.query(query, logger: logger).cascade(to: answer)
            let result = try answer.futureResult.wait()
            return (result.rows.map { row in row.map(Self.storeValue) }, result.metadata.rows ?? 0)
        } catch {
            // A connection lost or refused, a full disk, a shutdown: the machine's; a statement
            // the server refuses (a constraint, a type): the request's.
            let message = "\(displayName): \(Self.describe(error))"
            guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { throw DSRError.machineFault(message) }
            throw MachineFault.isMachineFault(sqlState: state) ? DSRError.machineFault(message) : DSRError.io(message)
        }
    }

    /// The answer a connection's statement is waited for with, failed when the connection
    /// closes.
    private final class StatementInFlight: Sendable {
        private let answer = Mutex<EventLoopPromise<PostgresQueryResult>?>(nil)

        func waitFor(_ promise: EventLoopPromise<PostgresQueryResult>?) {
            answer.withLock { $0 = promise }
        }

        /// Fails the statement being waited for; an answer already given is left as it is.
        func fail() {
            answer.withLock { $0?.fail(ConnectionClosed()) }
        }
    }

    /// The server closed the connection while a statement waited for its answer.
    private struct ConnectionClosed: Error {}

    /// `?` placeholders as PostgreSQL's `$1`, `$2`…, leaving quoted text and names alone.
    package static func numberedPlaceholders(_ sql: String) -> String {
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                result.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                result.append(character)
            } else if character == "?" {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// A value as PostgreSQL reads it from text.
    package static func literal(_ value: StoreValue) -> String {
        switch value {
        case .blob(let data): return "\\x" + data.hexString
        default: return value.canonicalText
        }
    }

    /// An element of an array literal, quoted with `"` and `\` escaped.
    package static func arrayElement(_ value: StoreValue) -> String {
        "\"" + literal(value).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A cell as a store value: numbers as numbers, times in ISO 8601, the rest as text.
    package static func storeValue(_ cell: PostgresCell) -> StoreValue {
        guard var bytes = cell.bytes else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid:
            if let number = try? cell.decode(Int64.self) { return .integer(number) }
        case .float4, .float8:
            if let number = try? cell.decode(Double.self) { return .real(number) }
        case .numeric:
            if let digits = NumericText(&bytes)?.text { return .decimal(digits) }
        case .bool:
            if let flag = try? cell.decode(Bool.self) { return .integer(flag ? 1 : 0) }
        case .bytea:
            return .blob(Data(bytes.readBytes(length: bytes.readableBytes) ?? []))
        case .timestamptz, .timestamp:
            if let date = try? cell.decode(Date.self) { return .text(Timestamp.formatExactly(date)) }
        case .date:
            if let date = try? cell.decode(Date.self) { return .text(CalendarDay(date, in: TimeZone(identifier: "UTC")!).description) }
        default:
            break
        }
        if let text = try? cell.decode(String.self) { return .text(text) }
        return .blob(Data(bytes.readBytes(length: bytes.readableBytes) ?? []))
    }

    /// An error without the statement's values: the server's class of error by SQLSTATE.
    package static func describe(_ error: Error) -> String {
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                return "SQLSTATE \(state)" + (error.serverInfo?[.tableName].map { " (table \($0))" } ?? "")
            }
            return "\(error.code)"
        }
        return "\(type(of: error))"
    }

    /// A connection error as the exit status that fits it.
    package static func connectionError(_ error: Error, store: String) -> DSRError {
        if let error = error as? PSQLError, error.code == .sslUnsupported {
            return DSRError.configuration("\(store): the server does not offer TLS, which tls: require asks for")
        }
        if let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] {
            switch state {
            case "28P01", "28000": return DSRError.configuration("\(store): the server refused the login (wrong user or password)")
            case "3D000": return DSRError.configuration("\(store): the database does not exist")
            default: return DSRError.configuration("\(store): the server refused the connection (SQLSTATE \(state))")
            }
        }
        return DSRError.machineFault("\(store): cannot connect (\(describe(error)): is the server running and listening there?)")
    }
}

/// Runs a session's statements on the store's connection, in its open transaction.
package struct PostgresRunner: StatementRunner {
    package let store: PostgresCustomerStore

    package func rows(_ statement: SQLStatement) throws -> [[StoreValue]] {
        let rows = try store.run(statement).rows
        store.tally.count(read: rows.count)
        return rows
    }
    package func run(_ statement: SQLStatement) throws -> Int { try store.run(statement).changed }
}

/// A value bound as text of no declared type, so the server types it from its context.
package struct UntypedText: PostgresNonThrowingEncodable {
    package let text: String

    package init(_ text: String) { self.text = text }

    package static var psqlType: PostgresDataType { .null }
    package static var psqlFormat: PostgresFormat { .text }

    package func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(text)
    }
}
