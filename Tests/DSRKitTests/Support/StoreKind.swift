@testable import DSRKit
import DSRCore
import Foundation
import GRDB
import Logging
import Testing

/// The kinds of customer store the store-behaviour tests run on, each test once per kind.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }
}

/// The private PostgreSQL cluster `Tests/run` starts (`Tests/postgres`). Without it the
/// PostgreSQL tests fail, loudly: they are never skipped.
enum TestPostgres {
    static let urlVariable = "DSR_TEST_POSTGRES_URL"
    static let passwordVariable = "DSR_TEST_POSTGRES_PASSWORD"

    /// The cluster's administrative database.
    static func server() throws -> PostgresLocation {
        guard let url = ProcessInfo.processInfo.environment[urlVariable] else {
            throw DSRError(.configuration, "no PostgreSQL for the tests: \(urlVariable) is not set; run them through Tests/run, which starts a private cluster")
        }
        return try PostgresLocation(url: url, passwordEnvironment: passwordVariable)
    }

    /// A new, empty database of the cluster, for one test.
    static func freshDatabase() throws -> PostgresLocation {
        var location = try server()
        let name = "dsr_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        _ = try PostgresCustomerStore(location: location, keyring: nil, logger: Logger(label: "dsr-test")).run(SQLStatement(sql: "CREATE DATABASE \(name)"))
        location.database = name
        return location
    }
}

extension TestWorkspace {
    /// The rows of a query on an installation's own store (SQLite or PostgreSQL), each value
    /// as text ("NULL" for null).
    func storeRows(_ configuration: URL, _ sql: String) throws -> [[String]] {
        var result: [[String]] = []
        try installation(configuration).store().fetch(SQLStatement(sql: sql)) { row in
            result.append(row.map { $0 == .null ? "NULL" : $0.canonicalText })
        }
        return result
    }

    /// The demo installation, with its shop in the store of `kind`.
    func demo(on kind: StoreKind) throws -> URL {
        try moved(try demo(), to: kind)
    }

    /// The demo installation with its shop changed by `prepare` (say, customers of other
    /// spellings), then put in the store of `kind`.
    func demo(on kind: StoreKind, preparing prepare: (GRDB.Database) throws -> Void) throws -> URL {
        let configuration = try demo()
        let database = try DatabaseQueue(path: configuration.deletingLastPathComponent().appendingPathComponent("store.sqlite").path)
        try database.write(prepare)
        try database.close()
        return try moved(configuration, to: kind)
    }

    /// A fixture installation (see `fixture(_:in:)`) with its store of `kind`.
    func fixture(_ name: String, in folder: String, on kind: StoreKind) throws -> URL {
        try moved(try fixture(name, in: folder), to: kind)
    }

    /// For PostgreSQL: the configuration's SQLite store loaded into a fresh database, and
    /// the configuration pointed there.
    private func moved(_ configuration: URL, to kind: StoreKind) throws -> URL {
        guard kind == .postgres else { return configuration }
        let location = try TestPostgres.freshDatabase()
        let sqlite = configuration.deletingLastPathComponent().appendingPathComponent("store.sqlite")
        try PostgresCustomerStore(location: location, keyring: nil, logger: Logger(label: "dsr-test")).load(fromSQLite: sqlite)
        try FileManager.default.removeItem(at: sqlite)
        let text = try String(contentsOf: configuration, encoding: .utf8)
        let url = "postgres://\(location.user)@\(location.host):\(location.port)/\(location.database)"
        let store = "store:\n  type: postgres\n  url: \(url)\n  password_env: \(TestPostgres.passwordVariable)\n"
        let pointed = text.replacingOccurrences(of: "store:\n  type: sqlite\n  path: store.sqlite\n", with: store)
            .replacingOccurrences(of: "store: {type: sqlite, path: store.sqlite}\n", with: store)
            .replacingOccurrences(of: DemoSetup.shopStoreSection,
                                  with: "  shop:\n    type: postgres\n    url: \(url)\n    password_env: \(TestPostgres.passwordVariable)\n")
        #expect(pointed != text, "the configuration's store section was not recognised")
        try Data(pointed.utf8).write(to: configuration)
        return configuration
    }
}
