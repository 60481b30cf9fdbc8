import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// Erasure on the demo store: customer 530 asks (REQ-DEMO-0006). Their 2020 orders are past
/// the Norwegian bookkeeping hold (ended 2025-12-31); their 2021 orders are held until
/// 2026-12-31.
@Suite struct ErasureTests {
    let workspace: TestWorkspace
    let configuration: URL
    static let subject = 530
    static let runTime = "2026-11-22T03:00:00Z"

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
        // Only the erasure changes the store here, so everyone else's rows must stay as they are.
        for sample in ["REQ-DEMO-0008-rectification.yaml", "REQ-DEMO-0009-objection.json", "REQ-DEMO-0010-restriction.yaml"] {
            try FileManager.default.removeItem(at: workspace.url("demo/inbox/\(sample)"))
        }
    }

    var store: URL { workspace.url("demo/store.sqlite") }

    /// For each table of the demo's shop, the SQL condition selecting the subject's rows (the
    /// marketing store's consents are kept whole by erasure, as evidence).
    static let subjectRows: [String: String] = [
        "customers": "id = \(subject)",
        "loyalty_memberships": "customer_id = \(subject)",
        "orders": "customer_id = \(subject)",
        "order_lines": "order_id IN (SELECT id FROM orders WHERE customer_id = \(subject))",
        "support_tickets": "customer_id = \(subject)",
    ]

    func rows(_ sql: String) throws -> [[DatabaseValue]] {
        try DatabaseQueue(path: store.path).read { db in
            try Row.fetchAll(db, sql: sql).map { row in row.databaseValues.map { $0 } }
        }
    }

    @Test func nothingOfTheSubjectRemainsOutsideHeldRowsAndNobodyElseChanges() throws {
        // The subject's values in the columns erasure must change (all columns of tables
        // whose rows it deletes) that occur nowhere else before the run: not in anyone
        // else's rows, not in the subject's own kept columns (the same containment test as
        // the scan below, so a shared date is not taken for theirs).
        let map = try DataMap.load(from: workspace.url("demo/datamap.yaml"))
        var candidates: Set<String> = []
        var elsewhere: [String] = []
        var othersBefore: [String: [[DatabaseValue]]] = [:]
        for (table, condition) in Self.subjectRows {
            let mapped = map.table(named: table)!
            let erasable = Set(mapped.columns.filter { mapped.erasureDeletesRows || $0.erasure != .keep }.map(\.name))
            let database = try DatabaseQueue(path: store.path)
            try database.read { db in
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) WHERE \(condition)") {
                    for column in row.columnNames {
                        guard let text = String.fromDatabaseValue(row[column] as DatabaseValue) else { continue }
                        if erasable.contains(column) { candidates.insert(text) } else { elsewhere.append(text) }
                    }
                }
            }
            othersBefore[table] = try rows("SELECT * FROM \(table) WHERE NOT (\(condition)) ORDER BY rowid")
            for row in othersBefore[table]! { elsewhere += row.compactMap { String.fromDatabaseValue($0) } }
        }
        let theirs = candidates.filter { value in !elsewhere.contains { $0.contains(value) } }
        #expect(theirs.contains("astrid.andersson530@example.se") || theirs.contains("Astrid.andersson530@example.se"))
        #expect(theirs.contains("+46700000530") && theirs.contains("C-000530"))

        let summary = try workspace.runNightly(configuration, at: Self.runTime)
        #expect(summary.done["erasure"] == 1)
        #expect(summary.deferredRows > 0)

        let held = try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).read { db in
            try Row.fetchAll(db, sql: "SELECT table_name, row_key FROM deferred_erasure").map { row -> String in
                let key = try JSONDecoder().decode([StoreValue].self, from: Data((row["row_key"] as String).utf8))
                return "\(row["table_name"] as String)/\(key[0].canonicalText)"
            }
        }
        let database = try DatabaseQueue(path: store.path)
        try database.read { db in
            for table in Self.subjectRows.keys {
                for row in try Row.fetchAll(db, sql: "SELECT rowid AS dsr_rowid, * FROM \(table)") {
                    guard !held.contains("\(table)/\(row["dsr_rowid"] as Int64)") else { continue }
                    for value in row.databaseValues.compactMap({ String.fromDatabaseValue($0) }) {
                        for original in theirs where value.contains(original) {
                            Issue.record("table \(table) still holds a value of the erased subject")
                        }
                    }
                }
            }
        }
        for (table, condition) in Self.subjectRows {
            #expect(try rows("SELECT * FROM \(table) WHERE NOT (\(condition)) ORDER BY rowid") == othersBefore[table]!, "\(table)")
        }
    }

    @Test func heldRowsStayRestrictedAndExpiredOnesAreErased() throws {
        try workspace.runNightly(configuration, at: Self.runTime)
        let orders = try rows("SELECT ordered_at, shipping_address, restricted FROM orders WHERE customer_id = \(Self.subject) ORDER BY id")
        #expect(orders.count == 9)
        for order in orders {
            let year = String.fromDatabaseValue(order[0])!.prefix(4)
            if year == "2020" {
                #expect(order[1].isNull && order[2] == 0.databaseValue, "a 2020 order is past its hold")
            } else {
                #expect(!order[1].isNull && order[2] == 1.databaseValue, "a 2021 order is held and restricted")
            }
        }
        #expect(try rows("SELECT * FROM customers WHERE id = \(Self.subject) AND first_name = 'erased' AND phone IS NULL").count == 1)
        #expect(try rows("SELECT * FROM loyalty_memberships WHERE customer_id = \(Self.subject)").isEmpty)
        let customerNumber = try rows("SELECT customer_no FROM customers WHERE id = \(Self.subject)")[0][0]
        #expect(String.fromDatabaseValue(customerNumber)!.hasPrefix("pse_"))

        let receipt = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.url("demo/outbox/REQ-DEMO-0006/receipt.json"))) as! [String: Any]
        let tables = receipt["tables"] as! [[String: Any]]
        let orderReceipt = tables.first { $0["table"] as? String == "orders" }!
        #expect(orderReceipt["rows_changed"] as? Int == 4)
        #expect((orderReceipt["held"] as! [[String: Any]]).map { $0["last_day_held"] as! String } == ["2026-12-31"])
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("receipt.schema.json"),
                                                   documents: [workspace.url("demo/outbox/REQ-DEMO-0006/receipt.json")]) == [])
        #expect(try XMLSchemaValidator(schemaURL: ExternalTools.schema("receipt.xsd"))
            .errors(validating: workspace.url("demo/outbox/REQ-DEMO-0006/receipt.xml")) == [])
        let ledger = try Ledger(url: workspace.url("demo/ledger/ledger.sqlite"))
        let keyring = try SubjectKeyring(contentsOf: workspace.url("demo/secrets/hmac.key"))
        #expect(try ledger.isSuppressed(keyring.identityReference(name: "email", value: "astrid.andersson530@example.se")))
    }

    @Test func sweepErasesHeldRowsOnTheFirstRunAfterTheHoldEnds() throws {
        try workspace.runNightly(configuration, at: Self.runTime)
        let heldBefore = try rows("SELECT count(*) FROM orders WHERE customer_id = \(Self.subject) AND shipping_address IS NOT NULL")[0][0]
        #expect(heldBefore == 5.databaseValue)

        let lastHeldDay = try workspace.runNightly(configuration, at: "2026-12-31T22:00:00Z")  // 23:00 in Oslo
        #expect(lastHeldDay.sweptRows == 0)
        let firstFreeDay = try workspace.runNightly(configuration, at: "2026-12-31T23:30:00Z")  // 00:30 on 1 January in Oslo
        #expect(firstFreeDay.sweptRows == 5 + 10)  // the held orders and their order lines
        #expect(firstFreeDay.deferredRows == 0)
        #expect(try rows("SELECT count(*) FROM orders WHERE customer_id = \(Self.subject) AND shipping_address IS NOT NULL")[0][0] == 0.databaseValue)
        let again = try workspace.runNightly(configuration, at: "2027-01-02T12:00:00Z")
        #expect(again.sweptRows == 0)
    }

    @Test func rerunErasesNothingTwiceAndKeepsTheReceipt() throws {
        try workspace.runNightly(configuration, at: Self.runTime)
        let receipt = try Data(contentsOf: workspace.url("demo/outbox/REQ-DEMO-0006/receipt.json"))
        // As if killed after the store committed but before the request was marked done.
        try FileManager.default.removeItem(at: workspace.url("demo/outbox/REQ-DEMO-0006"))
        let record = try workspace.installation(configuration).requestParser(now: Date())
            .parse(try Data(contentsOf: workspace.url("demo/inbox/accepted/REQ-DEMO-0006-erasure.yaml")), file: "x.yaml").get()[0]
        try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).write { db in
            try db.execute(sql: "UPDATE request SET state = 'in-progress', payload = ? WHERE id = 'REQ-DEMO-0006'",
                           arguments: [String(decoding: try JSONEncoder().encode(record), as: UTF8.self)])
        }
        let storeBefore = try workspace.contents(of: workspace.url("demo")).filter { $0.key == "/store.sqlite" }
        try workspace.runNightly(configuration, at: Self.runTime)
        let rewritten = try Data(contentsOf: workspace.url("demo/outbox/REQ-DEMO-0006/receipt.json"))
        let tables = { (data: Data) in (try JSONSerialization.jsonObject(with: data) as! [String: Any])["tables"] as! NSArray }
        #expect(try tables(rewritten) == tables(receipt))
        #expect(try workspace.contents(of: workspace.url("demo")).filter { $0.key == "/store.sqlite" } == storeBefore)
    }
}

/// A constraint the data map did not foresee stops one subject's erasure whole; the rest
/// of the batch goes on.
@Suite struct ErasureFailureTests {
    @Test func failureRollsBackTheSubjectAndTheBatchGoesOn() throws {
        let workspace = try TestWorkspace()
        let fixture = ExternalTools.packageRoot.appendingPathComponent("fixtures/second-shape")
        let folder = workspace.url("club")
        try FileManager.default.copyItem(at: fixture, to: folder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("inbox"))
        let store = folder.appendingPathComponent("store.sqlite")
        try DatabaseQueue(path: store.path).write { try $0.execute(sql: String(contentsOf: fixture.appendingPathComponent("schema.sql"), encoding: .utf8)) }
        try SubjectKeyring.createKeyFile(at: folder.appendingPathComponent("hmac.key"))
        // The store refuses P-001's erasure with a rule of its own that no data map check can
        // see (foreign keys the map cannot carry out are refused by `datamap check`).
        try DatabaseQueue(path: store.path).write { db in
            try db.execute(sql: """
                CREATE TRIGGER "keep P-001" BEFORE UPDATE ON "Person" WHEN OLD."PersonID" = 'P-001'
                BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END
                """)
        }
        for (id, person) in [("E-1", "P-001"), ("E-2", "P-003")] {
            try workspace.write("""
                {"id": "\(id)", "type": "erasure", "received_at": "2026-03-05T10:00:00+01:00", "subject": {"person_id": "\(person)"},
                 "verification": {"method": "in-person", "verified_at": "2026-03-05T10:00:00+01:00"}}
                """, to: "club/inbox/\(id).json")
        }
        let before = try DatabaseQueue(path: store.path).read { db in
            try Row.fetchAll(db, sql: #"SELECT * FROM "Shipment Event" ORDER BY "Seq""#).count
        }
        let summary = try workspace.runNightly(folder.appendingPathComponent("dsr.yaml"))
        #expect(summary.failed.map(\.id) == ["E-1"])
        #expect(summary.failed.first?.reason.contains("refused by a trigger") == true)
        #expect(summary.done == ["erasure": 1])
        try DatabaseQueue(path: store.path).read { db in
            // P-001's shipment events were deleted before the orders failed: rolled back.
            let events = try Row.fetchAll(db, sql: #"SELECT * FROM "Shipment Event" ORDER BY "Seq""#).count
            let kept = try String.fetchOne(db, sql: #"SELECT "FullName" FROM "Person" WHERE "PersonID" = 'P-001'"#)
            let erased = try String.fetchOne(db, sql: #"SELECT "FullName" FROM "Person" WHERE "PersonID" = 'P-003'"#)
            #expect(events == before)
            #expect(kept == "Anna Berg")
            #expect(erased == "erased")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("outbox/E-1").path))
    }
}

/// The retention presets' arithmetic.
@Suite struct RetentionRuleTests {
    func lastDay(_ preset: RetentionRule.Preset, _ row: String, fiscalYearEnd: String = "12-31") -> String {
        preset.rule(dateColumn: "d").lastDayHeld(rowDate: CalendarDay(iso: row)!, fiscalYearEnd: MonthDay(fiscalYearEnd)!).description
    }

    @Test func norwayKeepsFiveYearsAfterTheFiscalYearEnds() {
        #expect(lastDay(.norwayBookkeeping, "2021-03-15") == "2026-12-31")
        #expect(lastDay(.norwayBookkeeping, "2021-03-15", fiscalYearEnd: "06-30") == "2026-06-30")
        #expect(lastDay(.norwayBookkeeping, "2021-08-01", fiscalYearEnd: "06-30") == "2027-06-30")
    }

    @Test func swedenKeepsThroughTheSeventhYearAfterTheCalendarYearTheFiscalYearEndedIn() {
        #expect(lastDay(.swedenBookkeeping, "2021-03-15") == "2028-12-31")
        #expect(lastDay(.swedenBookkeeping, "2021-08-01", fiscalYearEnd: "06-30") == "2029-12-31")
        #expect(lastDay(.swedenBookkeeping, "2021-03-15", fiscalYearEnd: "06-30") == "2028-12-31")
    }

    @Test func germanyKeepsVouchersEightAndBooksTenYears() {
        #expect(lastDay(.germanyVouchers, "2025-02-10") == "2033-12-31")
        #expect(lastDay(.germanyBooks, "2025-02-10") == "2035-12-31")
    }

    @Test func customRulesCountFromTheDateItself() {
        let rule = RetentionRule(basis: "claims", years: 3, countsFrom: .date, dateColumn: "d")
        #expect(rule.lastDayHeld(rowDate: CalendarDay(iso: "2020-02-29")!, fiscalYearEnd: .december31).description == "2023-02-28")
    }
}

/// A legal-claims hold keeps everything of a person until it is lifted.
@Suite struct LegalHoldTests {
    @Test func erasureWaitsForTheHoldToBeLifted() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo()
        let installation = try workspace.installation(configuration)
        let references = try installation.subjectReferences(identities: ["customer_no": "C-000530"])
        try installation.ledger().placeLegalHold(subjectReferences: references, reason: "case 2026-17", now: Date())
        #expect(throws: DSRError.self) { try installation.subjectReferences(identities: ["customer_no": "C-999999"]) }

        let held = try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        #expect(held.waiting.map(\.id) == ["REQ-DEMO-0006"])
        #expect(held.waiting.first?.reason.contains("legal-claims hold") == true)
        let name = { try DatabaseQueue(path: workspace.url("demo/store.sqlite").path).read { db in
            try String.fetchOne(db, sql: "SELECT first_name FROM customers WHERE id = 530")
        } }
        #expect(try name() == "Astrid")

        #expect(try installation.ledger().liftLegalHold(subjectReferences: references, now: Date()) != nil)
        let lifted = try workspace.runNightly(configuration, at: "2026-11-23T03:00:00Z")
        #expect(lifted.done == ["erasure": 1])
        #expect(try name() == "erased")
    }

    @Test func commandLinePlacesListsAndLiftsHolds() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo()
        let place = try ExternalTools.dsr(["legal-hold", "place", "--identity", "email=Astrid.Andersson530@example.se",
                                           "--reason", "case 2026-17", "--config", configuration.path])
        #expect(place.status == 0, "\(place.stderr)")
        let list = try ExternalTools.dsr(["legal-hold", "list", "--json", "--config", configuration.path])
        let holds = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["legal_holds"] as? [[String: Any]])
        #expect(holds.count == 1 && holds[0]["reason"] as? String == "case 2026-17")
        let nobody = try ExternalTools.dsr(["legal-hold", "place", "--identity", "email=nobody@example.org", "--reason", "x",
                                            "--config", configuration.path])
        #expect(nobody.status == 65)
        let lift = try ExternalTools.dsr(["legal-hold", "lift", "--identity", "customer_no=C-000530", "--config", configuration.path])
        #expect(lift.status == 0)
        let again = try ExternalTools.dsr(["legal-hold", "lift", "--identity", "customer_no=C-000530", "--config", configuration.path])
        #expect(again.status == 65 && again.stderr.contains("no legal hold stands"))
    }
}
