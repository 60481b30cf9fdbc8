@testable import DSRKit
import DSRCore
import Foundation
import Logging
import Testing

/// What dsr does to and reads from a customer store, run once on SQLite and once on
/// PostgreSQL (the private cluster of `Tests/run`): the same tests, the same expectations,
/// checked through the store itself with SQL both understand.
@Suite struct StoreBehaviourTests {
    let workspace: TestWorkspace
    /// The demo samples' times are from 21 November 2026.
    let night = "2026-11-22T01:00:00Z"

    init() throws {
        workspace = try TestWorkspace()
    }

    func rows(_ configuration: URL, _ sql: String) throws -> [[String]] { try workspace.storeRows(configuration, sql) }

    func value(_ configuration: URL, _ sql: String) throws -> String { try rows(configuration, sql)[0][0] }

    /// Consent hygiene counts beside the night's changes through a snapshot reader, and
    /// must not see them: what is committed after the snapshot is taken stays out of every
    /// read through it, however late.
    @Test(arguments: StoreKind.allCases)
    func aSnapshotReaderDoesNotSeeWhatIsCommittedAfterwards(_ kind: StoreKind) throws {
        let store = try workspace.installation(try workspace.demo(on: kind)).store()
        let snapshot = try #require(try store.snapshotReader(), "the demo store lets a snapshot be read beside the writer")
        let count = SQLStatement(sql: "SELECT count(*) FROM support_tickets")
        func tickets(_ reader: CustomerStore) throws -> [String] {
            var counts: [String] = []
            try reader.fetch(count) { row in counts.append(row[0].canonicalText) }
            return counts
        }
        let before = try tickets(snapshot)
        #expect(before != ["0"])
        _ = try store.execute([SQLStatement(sql: "DELETE FROM support_tickets")])
        #expect(try tickets(snapshot) == before, "the snapshot still sees the tickets as they were when it was taken")
        #expect(try tickets(snapshot) == before, "and again: a read does not end the snapshot")
        #expect(try tickets(try #require(try store.concurrentReader())) == ["0"], "a new reader sees the deletion")
        #expect(throws: DSRError.self, "a snapshot reader cannot write") {
            try snapshot.execute([SQLStatement(sql: "DELETE FROM support_tickets")])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theNightDoesWhatTheRequestsSay(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        #expect(try workspace.installation(configuration).checkDataMap().errors == [])
        let summary = try workspace.runNightly(configuration, at: night)
        #expect(summary.done == ["access": 2, "export": 1, "erasure": 1, "rectification": 1, "objection": 1, "restriction": 1])
        #expect(summary.needsReview.map(\.id) == ["REQ-DEMO-0005", "REQ-DEMO-0007"])
        #expect(summary.noDataHeld == 1)

        // Erasure of customer 530: actions per column, rows of deleted tables gone, held orders restricted.
        let erased = try rows(configuration, "SELECT email, phone, first_name, street, customer_no, country FROM customers WHERE id = 530")[0]
        #expect(Array(erased[0..<4]) == ["erased@invalid", "NULL", "erased", "NULL"])
        #expect(erased[4].hasPrefix("pse_") && erased[4].count == 36)
        #expect(erased[5] != "NULL")
        #expect(try value(configuration, "SELECT count(*) FROM loyalty_memberships WHERE customer_id = 530") == "0")
        #expect(try value(configuration, "SELECT count(*) FROM support_tickets WHERE customer_id = 530") == "0")
        #expect(try value(configuration, "SELECT count(*) FROM orders WHERE customer_id = 530 AND restricted = 0 AND shipping_address IS NOT NULL") == "0")
        #expect(try value(configuration, "SELECT count(*) FROM orders WHERE customer_id = 530 AND restricted = 1") != "0")
        #expect(try value(configuration, "SELECT count(*) FROM orders WHERE customer_id = 531 AND shipping_address IS NULL") == "0")
        // Rectification, restriction, objection.
        #expect(try rows(configuration, "SELECT street, postcode, city, phone FROM customers WHERE id = 8")
                == [["Kongens gate 12", "7011", "Trondheim", "+46709998877"]])
        #expect(try rows(configuration, "SELECT id FROM customers WHERE restricted = 1") == [["10"]])
        // The objection withdrew customer 9's consents in the marketing store (SQLite in both
        // cases), found by their address.
        let email9 = try value(configuration, "SELECT lower(email) FROM customers WHERE id = 9")
        let consents9 = { (condition: String) in
            try AnswerDocuments.rows(self.workspace.url("demo/marketing.sqlite"),
                                     "SELECT count(*) AS n FROM marketing_consents WHERE lower(trim(email)) = ?\(condition)", [email9])[0]["n"]
        }
        #expect(try consents9(" AND purpose = 'newsletter' AND withdrawn_at IS NULL") == "number:0")
        #expect(try consents9("") != "number:0")

        // Every row the night wrote is one its receipts or consent hygiene account for (held
        // rows are written when their table has a restriction flag to set).
        let map = try workspace.installation(configuration).map
        var accounted = summary.consentHygiene?.consentsExpired ?? 0
        for id in try FileManager.default.contentsOfDirectory(atPath: configuration.deletingLastPathComponent().appendingPathComponent("outbox").path) {
            let file = configuration.deletingLastPathComponent().appendingPathComponent("outbox/\(id)/receipt.json")
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            let receipt = try JSONDecoder().decode(ReceiptFile.self, from: Data(contentsOf: file))
            for table in receipt.tables {
                let flagged = map.table(named: table.table)?.restrictionFlag != nil
                accounted += table.rowsDeleted + table.rowsChanged + (flagged ? table.held.map(\.rows).reduce(0, +) : 0)
            }
        }
        #expect(summary.rowsWritten == accounted)
        #expect(summary.rowsRead > 0)

        // A second night changes nothing more.
        let before = try rows(configuration, "SELECT id, email, phone, customer_no, street, restricted FROM customers ORDER BY id")
        let again = try workspace.runNightly(configuration, at: night)
        #expect(again.done.isEmpty)
        #expect(again.rowsWritten == 0)
        #expect(try rows(configuration, "SELECT id, email, phone, customer_no, street, restricted FROM customers ORDER BY id") == before)
    }

    @Test(arguments: StoreKind.allCases)
    func aSubjectTheStoreRefusesToChangeIsLeftWholeWhileTheBatchGoesOn(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        // The store refuses the update of customer 531's own row, which erasure makes after
        // it has deleted and changed that person's rows in the other tables.
        let refusal: [String] = switch kind {
        case .sqlite:
            ["CREATE TRIGGER refuse_531 BEFORE UPDATE ON customers WHEN OLD.id = 531 BEGIN SELECT RAISE(ABORT, 'refused'); END"]
        case .postgres:
            ["CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
             "CREATE TRIGGER refuse_531 BEFORE UPDATE ON customers FOR EACH ROW WHEN (OLD.id = 531) EXECUTE FUNCTION refuse()"]
        }
        _ = try workspace.installation(configuration).store().execute(refusal.map { SQLStatement(sql: $0) })
        let email = try value(configuration, "SELECT email FROM customers WHERE id = 531")
        try workspace.write("""
            id: REQ-T-531
            type: erasure
            received_at: 2026-11-21T15:00:00+01:00
            subject: {email: \(email)}
            verification: {method: bankid, verified_at: 2026-11-21T15:02:00+01:00}
            """, to: "demo/inbox/REQ-T-531.yaml")
        let personOf531 = """
            SELECT (SELECT count(*) FROM support_tickets WHERE customer_id = 531), (SELECT count(*) FROM loyalty_memberships WHERE customer_id = 531),
                   (SELECT count(*) FROM orders WHERE customer_id = 531 AND shipping_address IS NOT NULL AND restricted = 0),
                   (SELECT email FROM customers WHERE id = 531)
            """
        let before = try rows(configuration, personOf531)
        #expect(before[0][0...2].contains { $0 != "0" })

        let summary = try workspace.runNightly(configuration, at: night)
        #expect(summary.failed.map(\.id) == ["REQ-T-531"])
        #expect(summary.done["erasure"] == 1)
        #expect(try rows(configuration, personOf531) == before)
        #expect(try value(configuration, "SELECT email FROM customers WHERE id = 530") == "erased@invalid")
        #expect(try value(configuration, "SELECT count(*) FROM support_tickets WHERE customer_id = 530") == "0")
        let ledger = try workspace.installation(configuration).ledger()
        #expect(try ledger.recordedChange(requestID: "REQ-T-531") == nil)
        #expect(try ledger.recordedChange(requestID: "REQ-DEMO-0006") != nil)
    }

    @Test(arguments: StoreKind.allCases)
    func anAccessAnswerInTheBatchOfTheSamePersonsErasureShowsThePersonBeforeIt(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        let email = try value(configuration, "SELECT email FROM customers WHERE id = 530")
        // The demo's erasure of customer 530 and this access request share one batch.
        try workspace.write("""
            id: REQ-T-530-ACCESS
            type: access
            received_at: 2026-11-21T13:00:00+01:00
            subject: {email: \(email)}
            verification: {method: bankid, verified_at: 2026-11-21T13:02:00+01:00}
            """, to: "demo/inbox/REQ-T-530-access.yaml")
        let summary = try workspace.runNightly(configuration, at: night)
        #expect(summary.done["erasure"] == 1 && summary.done["access"] == 3)
        let report = try AnswerDocuments.json(workspace.url("demo/outbox"), "REQ-T-530-ACCESS", .accessReport)
        #expect(AnswerDocuments.rowsByTable(report)["customers"]?.map { $0["email"] } == ["text:\(email)"])
        #expect(try value(configuration, "SELECT email FROM customers WHERE id = 530") == "erased@invalid")
    }

    @Test(arguments: StoreKind.allCases)
    func breachScopesAndConsentListsCountWhatTheStoreHolds(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        let register = try workspace.installation(configuration).breachRegister()
        let now = Timestamp.parse("2026-11-22T12:00:00Z")!
        let byWhere = try register.open(workspace.url("demo/breaches/BR-DEMO-001.yaml"), now: now).measurement
        let tickets = "customer_id FROM support_tickets WHERE opened_at >= '2020-01-01' AND opened_at < '2020-07-01'"
        let customers = "id FROM customers WHERE created_at >= '2019-10-03' AND created_at < '2020-04-02'"
        #expect(String(byWhere.people) == (try value(configuration, "SELECT count(*) FROM (SELECT \(tickets) UNION SELECT \(customers)) AS u")))
        let byFile = try register.open(workspace.url("demo/breaches/BR-DEMO-002.yaml"), now: now).measurement
        #expect(byFile.people == 3 && byFile.identitiesUnmatched == 1)
        #expect(String(byFile.records) == (try value(configuration, """
            SELECT (SELECT count(*) FROM customers WHERE id IN (1, 2, 3)) + (SELECT count(*) FROM orders WHERE customer_id IN (1, 2, 3))
            """)))
        try register.assess("BR-DEMO-002", risk: .high, reason: nil, now: now)
        guard case .letters(let count, _) = try register.notify("BR-DEMO-002", exception: nil, reason: nil, now: now) else {
            Issue.record("no letters")
            return
        }
        #expect(count == 3)

        var listed: [String] = []
        try ConsentEligibility(installation: try workspace.installation(configuration), channel: .email, purpose: "newsletter")
            .forEach(now: now) { listed.append($0.customerKey) }
        // Customers in key order, then newsletter readers who never bought (no customer key).
        let listedCustomers = Array(listed.prefix { !$0.isEmpty })
        #expect(listedCustomers.count > 10 && listed.dropFirst(listedCustomers.count).allSatisfy(\.isEmpty))
        #expect(listedCustomers == listedCustomers.sorted { Int($0)! < Int($1)! })
    }

    @Test(arguments: StoreKind.allCases)
    func aStoreOfAnotherShapeIsAnsweredFromItsOwnRows(_ kind: StoreKind) throws {
        let configuration = try workspace.fixture("second-shape", in: "club", on: kind)
        #expect(try workspace.installation(configuration).checkDataMap().errors == [])
        try workspace.runNightly(configuration)
        let report = try AnswerDocuments.json(workspace.url("club/outbox"), "SS-1", .accessReport)
        let answered = AnswerDocuments.rowsByTable(report)
        let events = try rows(configuration, """
            SELECT e."Seq", e."Signed By" FROM "Shipment Event" e JOIN "LineItem" l ON e."LineItemRef" = l."ID"
            JOIN "Order" o ON l."Order" = o."OrderNo" WHERE o."Buyer" = 'P-001' ORDER BY e."Seq"
            """)
        #expect(answered["Shipment Event"]?.map { $0["Seq"] } == events.map { "number:\($0[0])" })
        #expect(events.map { $0[1] } == ["NULL", "A. Berg", "control\u{1}char"])
        #expect(answered["group"]?.map { $0["label"] } == ["text:Book club"])
        #expect(answered["Person"]?.count == 1)
        let export = try AnswerDocuments.json(workspace.url("club/outbox"), "SS-2", .portabilityExport)
        #expect(AnswerDocuments.rowsByTable(export)["Order"]?.count == 1)
    }

    /// The night's figures of rows read and written come from the store's tally, shared by
    /// its concurrent readers.
    @Test(arguments: StoreKind.allCases)
    func theStoreCountsTheRowsItReadsAndWrites(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        let installation = try workspace.installation(configuration)
        let store = try installation.store()
        let map = installation.map
        let reader = try #require(try store.concurrentReader())
        let orders = try #require(map.table(named: "orders"))
        let tickets = try #require(map.table(named: "support_tickets"))
        let subjects: [StoreValue] = [.integer(531), .integer(532)]
        let orderCount = Int(try value(configuration, "SELECT count(*) FROM orders WHERE customer_id IN (531, 532)"))!
        let ticketCount = Int(try value(configuration, "SELECT count(*) FROM support_tickets WHERE customer_id IN (531, 532)"))!
        let lineCount = Int(try value(configuration, "SELECT count(*) FROM order_lines"))!
        #expect(orderCount > 0 && ticketCount > 0)

        var streamed = 0
        try reader.forEachRow(of: orders, columns: ["id"], subjects: subjects, in: map) { _, _ in streamed += 1 }
        #expect(streamed == orderCount && store.tally.counts == (orderCount, 0), "a concurrent reader counts into its store's tally")
        // Longer than a PostgreSQL cursor page.
        try store.fetch(SQLStatement(sql: "SELECT id FROM order_lines")) { _ in }
        #expect(store.tally.counts == (orderCount + lineCount, 0))

        let deleted = try store.writing { session in
            let keys = try session.subjectRows(of: tickets, subjects: subjects, in: map, changes: []).values.flatMap { $0.map(\.key) }
            return try session.delete(from: tickets, keys: keys)
        }
        #expect(deleted == ticketCount)
        #expect(store.tally.counts == (orderCount + lineCount + ticketCount, ticketCount))
        // Changes rolled back, a subject's or a whole transaction's, are not counted as written.
        struct Refused: Error {}
        try store.writing { session -> Void in
            #expect(throws: Refused.self) {
                try session.atomically {
                    _ = try session.update(orders, ColumnChange.restrict(orders), keys: [[.integer(1)]])
                    throw Refused()
                }
            }
        }
        #expect(throws: Refused.self) {
            try store.writing { session in
                _ = try session.update(orders, ColumnChange.restrict(orders), keys: [[.integer(1)]])
                throw Refused()
            }
        }
        #expect(store.tally.counts.written == ticketCount)
        let restricted = try store.execute([SQLStatement(sql: "UPDATE orders SET restricted = 1 WHERE customer_id IN (531, 532)")])
        #expect(restricted == [orderCount])
        #expect(store.tally.counts == (orderCount + lineCount + ticketCount, ticketCount + orderCount))
    }

    @Test(arguments: StoreKind.allCases)
    func longResultsArriveWholeAndInOrder(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        // More rows than one PostgreSQL cursor page.
        let ids = try rows(configuration, "SELECT id FROM order_lines WHERE quantity >= 1 ORDER BY id").map { Int($0[0])! }
        #expect(ids.count > PostgresCustomerStore.pageSize)
        #expect(String(ids.count) == (try value(configuration, "SELECT count(*) FROM order_lines")))
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)
    }

    @Test func accessOutputIsTheSameOnBothStores() throws {
        var documents: [StoreKind: [String: NSDictionary]] = [:]
        for kind in StoreKind.allCases {
            let sub = try TestWorkspace()
            let configuration = try sub.demo(on: kind)
            try sub.runNightly(configuration, at: night)
            for id in ["REQ-DEMO-0001", "REQ-DEMO-0002", "REQ-DEMO-0006"] {
                let answer = sub.url("demo/outbox/\(id)")
                for name in try FileManager.default.contentsOfDirectory(atPath: answer.path) where name.hasSuffix(".json") && name != "manifest.json" {
                    var object = try JSONSerialization.jsonObject(with: Data(contentsOf: answer.appendingPathComponent(name))) as! [String: Any]
                    object["generated_at"] = nil
                    documents[kind, default: [:]]["\(id)/\(name)"] = object as NSDictionary
                }
            }
        }
        #expect(documents[.sqlite]?.count == 3)
        #expect(documents[.sqlite] == documents[.postgres])
    }

    @Test func aPostgresStoreSectionIsCheckedBeforeAnyConnection() throws {
        let configuration = try workspace.demo()
        let text = try String(contentsOf: configuration, encoding: .utf8)
        // A single store section in place of the demo's two.
        let stores = try #require(text.range(of: #"stores:.*\n(  .*\n)+"#, options: .regularExpression))
        func problem(_ store: String) throws -> String {
            try Data(text.replacingCharacters(in: stores, with: store).utf8).write(to: configuration)
            do {
                _ = try Configuration.load(from: configuration)
                return "accepted"
            } catch let error as DSRError {
                #expect(error.status == .configuration)
                return error.message
            }
        }
        let withPassword = try problem("store:\n  type: postgres\n  url: postgres://dsr:Secret123@db:5432/shop\n")
        #expect(withPassword.contains("field 'store.url'") && withPassword.contains("holds a password"))
        #expect(!withPassword.contains("Secret123"))
        #expect(try problem("store:\n  type: postgres\n  url: postgres://dsr@db:5432/shop\n  tls: maybe\n").contains("expected disable, prefer, require"))
        #expect(try problem("store:\n  type: postgres\n  url: postgres://dsr@db:5432/shop\n  password_env: A\n  password_file: b\n")
            .contains("give one of password_env, password_file and password_credential"))
        #expect(try problem("store:\n  type: postgres\n  url: postgres://dsr@db:5432/shop\n  password_credential: ../x\n")
            .contains("without a slash"))
        #expect(try problem("store:\n  type: postgres\n  url: postgres://dsr@db:5432/shop\n  password_credential: store-password\n") == "accepted")
        #expect(try problem("store:\n  type: postgres\n  url: mysql://dsr@db/shop\n").contains("postgres://user@host:5432/database"))
        #expect(try problem("store:\n  type: postgres\n  url: postgres://dsr@db:5432/shop\n  password_env: A\n") == "accepted")
    }

    @Test func postgresProblemsNameTheStoreNotThePasswordAndChangeNothing() throws {
        let configuration = try workspace.demo(on: .postgres)
        let text = try String(contentsOf: configuration, encoding: .utf8)
        let password = ProcessInfo.processInfo.environment[TestPostgres.passwordVariable] ?? "?"

        try Data(text.replacingOccurrences(of: "password_env: \(TestPostgres.passwordVariable)", with: "password_file: wrong-password").utf8)
            .write(to: configuration)
        try Data("not-the-password\n".utf8).write(to: workspace.url("demo/wrong-password"))
        let wrong = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(wrong.status == 78)
        #expect(wrong.stderr.contains("PostgreSQL store dsr@") && wrong.stderr.contains("refused the login"))
        #expect(!wrong.stderr.contains(password) && !wrong.stderr.contains("not-the-password"))

        let closedPort = text.replacingOccurrences(of: #"127\.0\.0\.1:\d+"#, with: "127.0.0.1:1", options: .regularExpression)
        try Data(closedPort.utf8).write(to: configuration)
        let refused = try ExternalTools.run(ExternalTools.dsrBinary, ["run", "nightly", "--config", configuration.path],
                                            environment: ProcessInfo.processInfo.environment)
        #expect(refused.status == 74)
        #expect(refused.stderr.contains("PostgreSQL store dsr@127.0.0.1:1/") && refused.stderr.contains("cannot connect"))

        let requireTLS = text.replacingOccurrences(of: "    password_env:", with: "    tls: require\n    password_env:")
        try Data(requireTLS.utf8).write(to: configuration)
        let plain = try ExternalTools.run(ExternalTools.dsrBinary, ["run", "nightly", "--config", configuration.path],
                                          environment: ProcessInfo.processInfo.environment)
        #expect(plain.status == 78)
        #expect(plain.stderr.contains("does not offer TLS"), "\(plain.stderr)")

        try Data(text.utf8).write(to: configuration)
        let inbox = try workspace.contents(of: workspace.url("demo/inbox"))
        _ = try workspace.installation(configuration).store().execute([SQLStatement(sql: "DROP TABLE support_tickets")])
        let missing = try ExternalTools.run(ExternalTools.dsrBinary, ["run", "nightly", "--config", configuration.path],
                                            environment: ProcessInfo.processInfo.environment)
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("support_tickets"))
        #expect(try workspace.contents(of: workspace.url("demo/inbox")) == inbox)
        #expect(try value(configuration, "SELECT email FROM customers WHERE id = 530") != "erased@invalid")
        #expect(!FileManager.default.fileExists(atPath: workspace.url("demo/ledger/ledger.sqlite").path))
    }
}

/// The parts of `receipt.json` the row counts need.
private struct ReceiptFile: Decodable {
    var tables: [Receipt.Table]
}
