import DSRKit
import Foundation
import GRDB
import Testing

/// The dry run changes nothing; reapply brings a restored backup back to the erased state.
@Suite struct DryRunAndReapplyTests {
    let workspace: TestWorkspace
    let configuration: URL

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
        for sample in ["REQ-DEMO-0008-rectification.yaml", "REQ-DEMO-0009-objection.json", "REQ-DEMO-0010-restriction.yaml"] {
            try FileManager.default.removeItem(at: workspace.url("demo/inbox/\(sample)"))
        }
    }

    /// Every file of the installation but the lock file and SQLite's shared-memory index,
    /// which readers touch, and an empty write-ahead log, which SQLite creates when it opens
    /// a WAL database even for reading (the database files themselves must not change).
    func snapshot() throws -> [String: Data] {
        try workspace.contents(of: workspace.url("demo")).filter { path, data in
            !path.hasSuffix("-shm") && !path.hasSuffix("dsr.lock") && !(path.hasSuffix("-wal") && data.isEmpty)
        }
    }

    /// Every row of every demo table, in a comparable form.
    func tables(_ store: URL) throws -> [String: [[DatabaseValue]]] {
        try DatabaseQueue(path: store.path).read { db in
            var result: [String: [[DatabaseValue]]] = [:]
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
                result[table] = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY rowid").map { Array($0.databaseValues) }
            }
            return result
        }
    }

    @Test func dryRunChangesNothingAndSaysWhatWouldHappen() throws {
        try workspace.runNightly(configuration)  // a ledger with history
        try workspace.write("""
            id: DRY-1
            type: erasure
            received_at: 2026-11-21T10:00:00+01:00
            subject: {customer_no: C-000531}
            verification: {method: bankid, verified_at: 2026-11-21T10:05:00+01:00}
            """, to: "demo/inbox/DRY-1.yaml")
        try workspace.write("type: nonsense", to: "demo/inbox/broken.yaml")
        let before = try snapshot()
        let report = try workspace.installation(configuration).dryRun(clock: { Timestamp.parse("2026-11-22T03:00:00Z")! }).run()
        #expect(try snapshot() == before)

        let erasure = try #require(report.entries.first { $0.id == "DRY-1" })
        #expect(erasure.outcome == "would carry out")
        let orders = try #require(erasure.receipt?.tables.first { $0.table == "orders" })
        #expect(orders.rowsChanged + orders.held.reduce(0) { $0 + $1.rows } == 1 + 531 % 9)
        #expect(report.entries.first { $0.file == "broken.yaml" }?.outcome.hasPrefix("the file would be rejected") == true)
        #expect(report.text.contains("DRY-1 erasure (DRY-1.yaml): would carry out"))

        let real = try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        #expect(real.done == ["erasure": 1])
        let done = try JSONDecoder().decode(Receipt.self, from: try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).read { db in
            Data(try String.fetchOne(db, sql: "SELECT receipt FROM store_change WHERE request_id = 'DRY-1'")!.utf8)
        })
        #expect(done == erasure.receipt)
    }

    @Test func reapplyOnARestoredBackupEqualsTheErasedStore() throws {
        let store = workspace.url("demo/store.sqlite")
        let backup = workspace.url("backup.sqlite")
        try FileManager.default.copyItem(at: store, to: backup)
        try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        let erased = try tables(store)

        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store.path + suffix) }
        try FileManager.default.copyItem(at: backup, to: store)
        #expect(try tables(store) != erased)

        let installation = try workspace.installation(configuration)
        let report = try installation.erasureReapply().run(now: Timestamp.parse("2026-11-22T03:00:00Z")!)
        #expect(report.recorded == 1 && report.found == 1 && report.reErased == 1 && report.failed.isEmpty)
        #expect(try tables(store) == erased)
        let again = try workspace.installation(configuration).erasureReapply().run(now: Timestamp.parse("2026-11-22T03:00:00Z")!)
        #expect(again.reErased == 0 && again.rowsDeleted == 0 && again.rowsChanged == 0)
    }
}

