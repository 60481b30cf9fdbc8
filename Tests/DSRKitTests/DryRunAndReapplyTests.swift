import DSRCore
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

    /// Before the first night there is no ledger: the dry run plans against an empty one in
    /// memory, creates none, and plans what the first night then does.
    @Test func theFirstDryRunNeedsNoLedgerAndPlansTheFirstNight() throws {
        let before = try snapshot()
        let night = "2026-11-22T03:00:00Z"
        let plan = try workspace.installation(configuration).dryRun(clock: { Timestamp.parse(night)! }).run()
        #expect(try snapshot() == before)
        #expect(!FileManager.default.fileExists(atPath: workspace.url("demo/ledger/ledger.sqlite").path))
        let requests = plan.entries.filter { $0.id != nil }
        #expect(requests.count >= 5 && requests.allSatisfy { $0.state != nil })
        try workspace.runNightly(configuration, at: night)
        let ledger = try workspace.installation(configuration).ledger()
        for entry in requests {
            let record = try #require(try ledger.requests(id: entry.id!).first)
            #expect(entry.state == record.state && entry.reason == record.stateReason, "\(entry.id!): \(entry.outcome)")
        }
    }

    /// The dry run and the night share every decision: what the preview says of each
    /// request is what the real run then does with it, and the sweep it announces is the
    /// sweep that runs (a legal hold keeps a person's held rows in both).
    @Test func theDryRunPlansWhatTheRealRunDoes() throws {
        func request(_ id: String, _ type: String, _ customer: String, verified: Bool = true,
                     received: String = "2026-11-21T10:00:00+01:00", extra: String = "") throws {
            try workspace.write("""
                id: \(id)
                type: \(type)
                received_at: \(received)
                subject: {customer_no: \(customer)}
                \(verified ? "verification: {method: bankid, verified_at: 2026-11-21T10:05:00+01:00}" : "")
                \(extra)
                """, to: "demo/inbox/\(id).yaml")
        }
        let installation = try workspace.installation(configuration)
        try request("FIRST-ACCESS", "access", "C-000100")
        for customer in 532...539 { try request("ERASE-\(customer)", "erasure", "C-000\(customer)") }
        try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        // Two requests as a failed night would leave them, their content gone with their
        // completion: one out of attempts, one with attempts left but nothing to carry out.
        try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).write { db in
            try db.execute(sql: "UPDATE request SET state = 'failed', attempts = 3, state_reason = 'the store was busy' WHERE id = 'ERASE-533'")
            try db.execute(sql: "UPDATE request SET state = 'failed', attempts = 1 WHERE id = 'ERASE-534'")
        }

        try installation.ledger().placeLegalHold(subjectReferences: try installation.subjectReferences(identities: ["customer_no": "C-000600"]),
                                                 reason: "case 2026-40", now: Date())
        try request("DRY-HELD", "erasure", "C-000600")
        try request("DRY-REPEAT", "access", "C-000100", received: "2026-11-22T12:00:00+01:00")
        try request("DRY-UNVERIFIED", "access", "C-000101", verified: false)
        try request("DRY-NONE", "access", "C-999999")
        try request("DRY-ERASE", "erasure", "C-000531")
        try request("DRY-EXPORT", "export", "C-000102")
        try request("DRY-ERASE-NONE", "erasure", "C-999998")
        // Customer 600's orders of 2021 are under the bookkeeping hold: the address changes
        // on the older ones only.
        try request("DRY-RECTIFY-HELD", "rectification", "C-000600", extra: #"changes: {orders.shipping_address: "Nygata 1, 0150 Oslo"}"#)
        try request("DRY-RESTRICT", "restriction", "C-000104")
        try request("DRY-OBJECT", "objection", "C-000105")
        // An id the ledger holds with other content: intake rejects the file.
        try workspace.write("""
            id: FIRST-ACCESS
            type: erasure
            received_at: 2026-11-22T09:00:00+01:00
            subject: {customer_no: C-000103}
            verification: {method: bankid, verified_at: 2026-11-22T09:05:00+01:00}
            """, to: "demo/inbox/clash.yaml")
        let night = "2026-11-23T03:00:00Z"
        let plan = try installation.dryRun(clock: { Timestamp.parse(night)! }).run()
        let summary = try workspace.runNightly(configuration, at: night)
        let ledger = try installation.ledger()
        let planned = plan.entries.filter { $0.id?.hasPrefix("DRY-") == true || ["ERASE-533", "ERASE-534"].contains($0.id) }
        #expect(planned.count == 12)
        #expect(planned.first { $0.id == "ERASE-533" }?.outcome == "would need review: failed 3 times; last: the store was busy")
        #expect(planned.first { $0.id == "ERASE-534" }?.outcome == "would need review: the ledger no longer holds the request's content")
        // Request by request, the state and the reason the preview announced are the ones
        // the night recorded.
        for entry in planned {
            let id = try #require(entry.id)
            let record = try #require(try ledger.requests(id: id).first)
            #expect(entry.state == record.state && entry.reason == record.stateReason,
                    "\(id): the dry run said \(entry.outcome); the night left it \(record.state) (\(record.stateReason ?? "-"))")
        }
        #expect(Set(planned.compactMap(\.state)) == [.completed, .pending, .needsReview, .awaitingVerification])
        for (id, receipt) in planned.compactMap({ entry in entry.receipt.map { (entry.id!, $0) } }) {
            #expect(try ledger.recordedChange(requestID: id)?.receipt == receipt, "\(id): the receipt the dry run announced")
        }
        #expect(planned.first { $0.id == "DRY-RECTIFY-HELD" }?.receipt?.tables.contains { !$0.held.isEmpty } == true)
        #expect(planned.first { $0.id == "DRY-ERASE-NONE" }?.outcome == "would change nothing: no personal data held")
        #expect(summary.waiting.map(\.id) == ["DRY-HELD"])
        let clash = try #require(plan.entries.first { $0.file == "clash.yaml" })
        #expect(clash.outcome == "the file would be rejected: request id 'FIRST-ACCESS' is already in the ledger with different content")
        #expect(summary.intake.rejected.map(\.file) == ["clash.yaml"])
        #expect(summary.needsReview.map(\.id).contains("DRY-REPEAT"))

        // After the year's end the bookkeeping hold of the erased customers' last orders has
        // ended; a legal hold on one of them keeps that person's rows, in the preview as in
        // the sweep.
        let later = "2027-01-10T03:00:00Z"
        let ended = try ledger.deferredErasures(endedBefore: CalendarDay(iso: "2027-01-10")!)
        let keyring = try installation.keyring()
        let held = try #require((530...539).map { keyring.subjectReference(table: "customers", key: .integer($0)) }
            .first { reference in ended.contains { $0.subjectReference == reference } })
        #expect(Set(ended.map(\.subjectReference)).count > 1, "the sweep has more than the held person's rows")
        try ledger.placeLegalHold(subjectReferences: [held], reason: "case 2027-2", now: Date())
        let sweepPlan = try installation.dryRun(clock: { Timestamp.parse(later)! }).run()
        #expect(sweepPlan.sweepDueRows > 0 && sweepPlan.sweepDueRows < ended.count, "\(sweepPlan.sweepDueRows) of \(ended.count)")
        #expect(try workspace.runNightly(configuration, at: later).sweptRows == sweepPlan.sweepDueRows)
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

