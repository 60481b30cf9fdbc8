@testable import DSRKit
import DSRCore
import Foundation
import GRDB
import Testing

/// Store changes read each table once for all the subjects of a batch: the store, the
/// receipts and the held rows must come out exactly as when each person is read alone.
@Suite struct BatchedErasureTests {
    static let erased = Array(520...535)
    static let restricted = [540, 541]

    /// The store's tables, the receipts' tables and the ledger's held rows after a night.
    struct Outcome {
        var store: [String: [[DatabaseValue]]]
        var receipts: [String: NSArray]
        var held: Set<[DatabaseValue]>
    }

    /// The same demo (store, key, requests) run with each batch size.
    func nights(batchSizes: [Int], extra: [String: String] = [:],
                dataMap: (String) -> String = { $0 }) throws -> [(workspace: TestWorkspace, outcome: Outcome)] {
        let original = try TestWorkspace()
        _ = try original.demo()
        let mapURL = original.url("demo/datamap.yaml")
        try dataMap(try String(contentsOf: mapURL, encoding: .utf8)).write(to: mapURL, atomically: true, encoding: .utf8)
        for name in try FileManager.default.contentsOfDirectory(atPath: original.url("demo/inbox").path) {
            try FileManager.default.removeItem(at: original.url("demo/inbox/\(name)"))
        }
        var requests = Self.erased.map { ($0, "erasure") } + Self.restricted.map { ($0, "restriction") }
        requests.sort { $0.0 < $1.0 }
        for (customer, type) in requests {
            try original.write("""
                id: B-\(customer)
                type: \(type)
                received_at: 2026-11-21T09:00:00+01:00
                subject: {customer_no: C-000\(customer)}
                verification: {method: bankid, verified_at: 2026-11-21T09:01:00+01:00}
                """, to: "demo/inbox/B-\(customer).yaml")
        }
        for (name, text) in extra { try original.write(text, to: "demo/inbox/\(name)") }
        return try batchSizes.map { size in
            let workspace = try TestWorkspace()
            try FileManager.default.copyItem(at: original.url("demo"), to: workspace.url("demo"))
            try workspace.settle("demo/inbox")
            let configuration = workspace.url("demo/dsr.yaml")
            let text = try String(contentsOf: configuration, encoding: .utf8)
            try (text + "\nbatch_size: \(size)\n").write(to: configuration, atomically: true, encoding: .utf8)
            let summary = try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
            #expect(summary.failed.isEmpty, "\(summary.failed)")
            return (workspace, try outcome(of: workspace))
        }
    }

    func outcome(of workspace: TestWorkspace) throws -> Outcome {
        let store = try DatabaseQueue(path: workspace.url("demo/store.sqlite").path).read { db in
            var tables: [String: [[DatabaseValue]]] = [:]
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
                tables[table] = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY rowid").map { Array($0.databaseValues) }
            }
            return tables
        }
        var receipts: [String: NSArray] = [:]
        for customer in Self.erased + Self.restricted {
            let data = try Data(contentsOf: workspace.url("demo/outbox/B-\(customer)/receipt.json"))
            let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            receipts["B-\(customer)"] = try #require(document["tables"] as? NSArray)
        }
        let held = try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).read { db in
            Set(try Row.fetchAll(db, sql: "SELECT request_id, table_name, row_key, basis, last_day_held FROM deferred_erasure")
                .map { Array($0.databaseValues) })
        }
        return Outcome(store: store, receipts: receipts, held: held)
    }

    @Test func aBatchOfChangesEndsAsTheSameChangesOneByOne() throws {
        let outcomes = try nights(batchSizes: [1, 256]).map(\.outcome)
        #expect(!outcomes[0].held.isEmpty, "the night defers held rows")
        // Compared a table at a time, so a failure names the table instead of printing the store.
        for table in outcomes[0].store.keys.sorted() {
            let same = outcomes[0].store[table] == outcomes[1].store[table]
            #expect(same, "table \(table) differs")
        }
        for request in outcomes[0].receipts.keys.sorted() {
            let same = outcomes[0].receipts[request] == outcomes[1].receipts[request]
            #expect(same, "receipt of \(request) differs")
        }
        let sameHeld = outcomes[0].held == outcomes[1].held
        #expect(sameHeld, "held rows differ")
    }

    /// A change to a column that links rows to their subject (an erasure rewriting a column
    /// another table refers to, say) can move rows to another person: whoever is read after
    /// that must find them, as when each person is carried out alone. Rectification cannot
    /// make such a change (the data map refuses rectifiable links), so the batch session is
    /// driven directly.
    @Test func rowsMovedToAnotherPersonInTheBatchAreFoundThere() throws {
        let workspace = try TestWorkspace()
        let installation = try workspace.installation(try workspace.demo())
        let map = installation.map
        let orders = try #require(map.table(named: "orders"))
        let subjects: [StoreValue] = [.integer(550), .integer(551), .integer(552)]
        let moved = try installation.store().writing { session in
            let batch = BatchReadSession.Batch(map: map)
            let first = BatchReadSession(session, subjects: subjects, batch: batch)
            // The batch's read of orders happens here, for all three people.
            let ofFirst = try first.subjectRows(of: orders, subject: .integer(551), in: map, changes: [], filter: [:])
            #expect(!ofFirst.isEmpty)
            let relink = ColumnChange(column: "customer_id", kind: .value(.integer(552)))
            _ = try first.update(orders, [relink], keys: ofFirst.map(\.key))
            let later = BatchReadSession(session, subjects: subjects, batch: batch)
            return (before: ofFirst.count, after: try later.subjectRows(of: orders, subject: .integer(552), in: map, changes: [], filter: [:]))
        }
        let ownOrders = try AnswerDocuments.rows(workspace.url("demo/store.sqlite"), "SELECT count(*) AS n FROM orders WHERE customer_id = 552")
        #expect(ownOrders == [["n": "number:\(moved.after.count)"]], "552 is read afresh and finds the orders moved to them")
        #expect(moved.after.count > moved.before)
    }

    /// The same person's second erasure of the night, by another identity, is carried out
    /// with the first: one change, one receipt naming both, both completed.
    @Test func aSecondErasureOfTheSamePersonInTheBatchIsCarriedOutWithTheFirst() throws {
        let probe = try TestWorkspace()
        _ = try probe.demo()
        let email = try DatabaseQueue(path: probe.url("demo/store.sqlite").path).read { db in
            try String.fetchOne(db, sql: "SELECT email FROM customers WHERE id = 525")!
        }
        let (workspace, outcome) = try nights(batchSizes: [256], extra: ["B-9525.yaml": """
            id: B-9525
            type: erasure
            received_at: 2026-11-21T10:00:00+01:00
            subject: {email: \(email)}
            verification: {method: bankid, verified_at: 2026-11-21T10:01:00+01:00}
            """])[0]
        let first = try #require(outcome.receipts["B-525"] as? [[String: Any]])
        #expect(first.contains { ($0["rows_deleted"] as? Int ?? 0) + ($0["rows_changed"] as? Int ?? 0) > 0 })
        let data = try Data(contentsOf: workspace.url("demo/outbox/B-525/receipt.json"))
        let request = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["request"] as? [String: Any])
        #expect(request["also_answers"] as? [String] == ["B-9525"])
        #expect(!FileManager.default.fileExists(atPath: workspace.url("demo/outbox/B-9525").path))
        let ledger = try Ledger(url: workspace.url("demo/ledger/ledger.sqlite"))
        #expect(try ledger.requests(id: "B-9525").first?.state == .completed)
    }
}
