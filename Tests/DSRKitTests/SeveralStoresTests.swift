@testable import DSRKit
import DSRCore
import Foundation
import GRDB
import Testing

/// A data map over two stores: the demo shop (SQLite or PostgreSQL) and a newsletter store
/// of its own (SQLite) whose subscribers are linked to customers by email. Answers and
/// changes reach both; someone only the newsletter knows is found there.
@Suite struct SeveralStoresTests {
    let workspace: TestWorkspace

    init() throws {
        workspace = try TestWorkspace()
    }

    /// The demo keeps its consents in a marketing store; these tests add a newsletter's
    /// subscribers there: a customer under another spelling of their email, a subscriber
    /// who never bought (Nordic letters, stored in NFC), and a stranger.
    static let newsletterOnly = "åse.ødegård@example.no"

    private func linkedDemo(on kind: StoreKind) throws -> (configuration: URL, customerEmail: String) {
        let configuration = try workspace.demo(on: kind)
        let email = try workspace.storeRows(configuration, "SELECT email FROM customers WHERE id = 1")[0][0]
        try writeSQLite("marketing.sqlite") { db in
            try db.execute(sql: """
                CREATE TABLE subscribers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, first_name TEXT, signed_up_at TEXT NOT NULL);
                CREATE INDEX subscribers_email_lookup ON subscribers (lower(trim(email)));
                CREATE TABLE newsletter_opens (id INTEGER PRIMARY KEY,
                    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE, opened_at TEXT NOT NULL);
                """)
            try db.execute(sql: "INSERT INTO subscribers VALUES (1, ?, 'Kari', '2025-01-02'), (2, ?, 'Åse', '2025-03-04'), (3, 'stranger@example.org', NULL, '2025-05-06')",
                           arguments: [" " + email.uppercased(), Self.newsletterOnly])
            try db.execute(sql: "INSERT INTO newsletter_opens VALUES (1, 1, '2026-01-10'), (2, 2, '2026-02-11'), (3, 2, '2026-02-12'), (4, 3, '2026-02-13')")
        }
        try mapTables("""
              subscribers:
                store: marketing
                link: {identity: email}
                description: Your newsletter subscription.
                purposes: [Newsletter]
                legal_basis: Art. 6(1)(a) consent
                recipients: [mailchimp]
                retention: Until you unsubscribe.
                erasure: delete
                columns:
                  id: {category: identification}
                  email: {category: contact, provided: true}
                  first_name: {category: identification, provided: true}
                  signed_up_at: {category: behavioural}
              newsletter_opens:
                store: marketing
                references: {subscriber_id: subscribers.id}
                description: When you opened our newsletters.
                purposes: [Newsletter statistics]
                legal_basis: Art. 6(1)(f) legitimate interests
                retention: 12 months.
                erasure: delete
                columns:
                  id: {category: identification}
                  opened_at: {category: behavioural}

            """)
        try emptyInbox()
        return (configuration, email)
    }

    /// Writes to an SQLite file of the demo folder (created when missing).
    private func writeSQLite(_ name: String, _ work: (Database) throws -> Void) throws {
        let database = try DatabaseQueue(path: workspace.url("demo/\(name)").path)
        try database.write(work)
        try database.close()
    }

    /// Adds tables (YAML, indented as entries of `tables:`) to the demo's data map.
    private func mapTables(_ yaml: String) throws {
        let url = workspace.url("demo/datamap.yaml")
        let map = try String(contentsOf: url, encoding: .utf8)
        try Data(map.replacingOccurrences(of: "\ntables:\n", with: "\ntables:\n" + yaml)
            .replacingOccurrences(of: "\nrecipients:\n", with: "\nrecipients:\n" + (yaml.contains("[mailchimp]") ? Self.newsletterService : "")).utf8)
            .write(to: url)
    }

    /// The newsletter service the subscribers table is disclosed to: it knows subscribers by
    /// the address they signed up with, in the marketing store.
    static let newsletterService = """
          mailchimp:
            name: Mailchimp (newsletter delivery)
            contact: privacy@mailchimp.example
            notify: [erasure]
            identity: email
            format: opendsr

        """

    /// Drops a verified request naming the person by `subject` (YAML, `email: "…"`).
    private func drop(_ id: String, _ type: String, subject: String) throws {
        try workspace.dropVerifiedRequest(id, type, subject: subject)
    }

    private func drop(_ id: String, _ type: String, email: String) throws {
        try drop(id, type, subject: "email: \"\(email)\"")
    }

    /// Takes the demo's sample requests out of its inbox.
    private func emptyInbox() throws {
        let inbox = workspace.url("demo/inbox")
        for name in try FileManager.default.contentsOfDirectory(atPath: inbox.path) {
            try FileManager.default.removeItem(at: inbox.appendingPathComponent(name))
        }
    }

    private func marketingRows(_ sql: String) throws -> [[String: String]] {
        try AnswerDocuments.rows(workspace.url("demo/marketing.sqlite"), sql)
    }

    @Test(arguments: StoreKind.allCases)
    func anAccessAnswerHoldsThePersonsRowsFromBothStores(_ kind: StoreKind) throws {
        let (configuration, email) = try linkedDemo(on: kind)
        #expect(try workspace.installation(configuration).checkDataMap().errors == [])
        try drop("R-1", "access", email: email.lowercased())
        // Åse writes her address decomposed (NFD); the store holds it composed.
        try drop("R-2", "access", email: Self.newsletterOnly.decomposedStringWithCanonicalMapping.uppercased())
        let summary = try workspace.runNightly(configuration, at: "2026-11-21T02:00:00+01:00")
        #expect(summary.exitStatus == .success)
        let outbox = workspace.url("demo/outbox")
        let customer = try AnswerDocuments.json(outbox, "R-1", .accessReport)
        let rows = AnswerDocuments.rowsByTable(customer)
        #expect(rows["customers"]?.count == 1)
        #expect(rows["subscribers"]?.map { $0["first_name"] } == ["text:Kari"])
        #expect(rows["newsletter_opens"]?.map { $0["opened_at"] } == ["text:2026-01-10"])
        let stores = (customer["tables"] as! [[String: Any]]).map { "\($0["table"]!):\($0["store"] ?? "")" }
        #expect(stores.contains("customers:shop") && stores.contains("subscribers:marketing"))
        let subscriber = AnswerDocuments.rowsByTable(try AnswerDocuments.json(outbox, "R-2", .accessReport))
        #expect(subscriber["subscribers"]?.map { $0["first_name"] } == ["text:Åse"])
        #expect(subscriber["newsletter_opens"]?.count == 2)
        #expect(subscriber["customers"] == [])
        let validator = try XMLSchemaValidator(schemaURL: ExternalTools.schema("access-report.xsd"))
        for id in ["R-1", "R-2"] {
            #expect(validator.errors(validating: outbox.appendingPathComponent("\(id)/\(AnswerKind.accessReport.fileStem).xml")) == [])
        }
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("access-report.schema.json"),
                                                   documents: ["R-1", "R-2"].map { outbox.appendingPathComponent("\($0)/\(AnswerKind.accessReport.fileStem).json") }) == [])
    }

    @Test(arguments: StoreKind.allCases)
    func anErasureErasesInBothStoresAndTheReceiptNamesBoth(_ kind: StoreKind) throws {
        let (configuration, email) = try linkedDemo(on: kind)
        try drop("E-1", "erasure", email: email)
        try drop("E-2", "erasure", email: Self.newsletterOnly)
        let customersBefore = try workspace.storeRows(configuration, "SELECT id, email FROM customers ORDER BY id")
        let summary = try workspace.runNightly(configuration, at: "2026-11-21T02:00:00+01:00")
        #expect(summary.exitStatus == .success)
        #expect(try marketingRows("SELECT id FROM subscribers") == [["id": "number:3"]])
        #expect(try marketingRows("SELECT id FROM newsletter_opens") == [["id": "number:4"]])
        let customersAfter = try workspace.storeRows(configuration, "SELECT id, email FROM customers ORDER BY id")
        #expect(customersAfter[0][1] == "erased@invalid")
        // The newsletter-only person's erasure touched nothing in the shop.
        #expect(Array(customersAfter.dropFirst()) == Array(customersBefore.dropFirst()))
        let receipt = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.url("demo/outbox/E-1/receipt.json"))) as! [String: Any]
        let tables = (receipt["tables"] as! [[String: Any]]).map { "\($0["store"] ?? ""):\($0["table"]!)" }
        #expect(tables.contains("shop:customers") && tables.contains("marketing:subscribers") && tables.contains("marketing:newsletter_opens"))
        let validator = try XMLSchemaValidator(schemaURL: ExternalTools.schema("receipt.xsd"))
        #expect(validator.errors(validating: workspace.url("demo/outbox/E-1/receipt.xml")) == [])
        // The newsletter service is told of both, each by the address the marketing store holds, as dsr compares it.
        let batch = workspace.url("demo/outbox/recipients/mailchimp/2026-11-21-1.json")
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("opendsr-request-batch.schema.json"), documents: [batch]) == [])
        let told = (try JSONSerialization.jsonObject(with: Data(contentsOf: batch)) as! [[String: Any]])
            .flatMap { ($0["subject_identities"] as! [[String: String]]).map { $0["identity_value"]! } }
        #expect(told.sorted() == [email.lowercased(), Self.newsletterOnly].sorted())
        let newsletterReceipt = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.url("demo/outbox/E-2/receipt.json"))) as! [String: Any]
        #expect(newsletterReceipt["recipients_told"] as? [String] == ["Mailchimp (newsletter delivery)"])
        #expect(receipt["recipients_told"] as? [String] == ["Mailchimp (newsletter delivery)", "Posten Bring AS", "Zendesk Inc."])
        let ledger = try workspace.installation(configuration).ledger()
        #expect(try ledger.requests().allSatisfy { $0.state == .completed })
        #expect(try ledger.verifyAudit().firstBrokenEntry == nil)
    }

    @Test func aLinkAcrossStoresIsCheckedAgainstBothStores() throws {
        let (configuration, _) = try linkedDemo(on: .sqlite)
        let marketing = try DatabaseQueue(path: workspace.url("demo/marketing.sqlite").path)
        try marketing.write { try $0.execute(sql: "DROP INDEX subscribers_email_lookup") }
        try marketing.close()
        let check = try workspace.installation(configuration).checkDataMap()
        #expect(check.passed)
        #expect(check.warnings.contains { $0.field == "tables.subscribers.link" && $0.message.contains("CREATE INDEX") && $0.message.contains("subscribers") })
    }

    /// The linked store commits first and is marked done; the subject table's store then
    /// fails (a trigger refuses the change). The next run carries out the shop's part only:
    /// a subscriber who signed up again in between is left alone, and the receipt still
    /// names both stores.
    @Test func aRunStoppedBetweenTheStoresFinishesOnlyTheRest() throws {
        let (configuration, email) = try linkedDemo(on: .sqlite)
        let shop = try DatabaseQueue(path: workspace.url("demo/store.sqlite").path)
        try shop.write { try $0.execute(sql: "CREATE TRIGGER refuse BEFORE UPDATE ON customers BEGIN SELECT RAISE(ABORT, 'refused'); END") }
        try drop("E-1", "erasure", email: email)
        try workspace.runNightly(configuration, at: "2026-11-21T02:00:00+01:00")
        let ledger = try workspace.installation(configuration).ledger()
        #expect(try ledger.requests(id: "E-1").first?.state == .failed)
        #expect(try marketingRows("SELECT id FROM subscribers ORDER BY id") == [["id": "number:2"], ["id": "number:3"]])
        #expect(try workspace.storeRows(configuration, "SELECT email FROM customers WHERE id = 1") == [[email]])
        try shop.write { try $0.execute(sql: "DROP TRIGGER refuse") }
        try shop.close()
        let marketing = try DatabaseQueue(path: workspace.url("demo/marketing.sqlite").path)
        try marketing.write { try $0.execute(sql: "INSERT INTO subscribers VALUES (9, ?, NULL, '2026-11-22')", arguments: [email]) }
        try marketing.close()
        try workspace.runNightly(configuration, at: "2026-11-23T02:00:00+01:00")
        #expect(try ledger.requests(id: "E-1").first?.state == .completed)
        #expect(try workspace.storeRows(configuration, "SELECT email FROM customers WHERE id = 1") == [["erased@invalid"]])
        #expect(try marketingRows("SELECT id FROM subscribers ORDER BY id") == [["id": "number:2"], ["id": "number:3"], ["id": "number:9"]])
        let receipt = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.url("demo/outbox/E-1/receipt.json"))) as! [String: Any]
        let deleted = (receipt["tables"] as! [[String: Any]]).filter { $0["store"] as? String == "marketing" }.map { $0["rows_deleted"] as! Int }
        #expect(deleted.reduce(0, +) == 2)
        // The newsletter service, whose rows went in the first run, is still told, once.
        #expect(receipt["recipients_told"] as? [String] == ["Mailchimp (newsletter delivery)", "Posten Bring AS", "Zendesk Inc."])
        let batch = workspace.url("demo/outbox/recipients/mailchimp/2026-11-23-1.json")
        let told = (try JSONSerialization.jsonObject(with: Data(contentsOf: batch)) as! [[String: Any]])
            .flatMap { ($0["subject_identities"] as! [[String: String]]).map { $0["identity_value"]! } }
        #expect(told == [email.lowercased()])
        #expect(try ledger.auditEntries(requestID: "E-1").filter { $0.action == "erasure" }.count == 1)
        #expect(try ledger.verifyAudit().firstBrokenEntry == nil)
    }

    /// An erasure by customer number stopped after the marketing store committed (its
    /// subscriber row, the only place that held the address, is gone) and before the shop's
    /// record: the run that finishes it still puts the address on the suppression list,
    /// recorded with the marketing store's part.
    @Test func anErasureStoppedAfterTheLinkedStoreStillSuppressesTheAddress() throws {
        let (configuration, email) = try linkedDemo(on: .sqlite)
        try writeSQLite("marketing.sqlite") { db in
            try db.execute(sql: "DELETE FROM marketing_consents WHERE lower(trim(email)) = ?", arguments: [email.lowercased()])
        }
        let shop = try DatabaseQueue(path: workspace.url("demo/store.sqlite").path)
        try shop.write { try $0.execute(sql: "CREATE TRIGGER refuse BEFORE UPDATE ON customers BEGIN SELECT RAISE(ABORT, 'refused'); END") }
        try drop("E-CNO", "erasure", subject: "customer_no: C-000001")
        try workspace.runNightly(configuration, at: "2026-11-21T02:00:00+01:00")
        let installation = try workspace.installation(configuration)
        let ledger = try installation.ledger()
        #expect(try ledger.requests(id: "E-CNO").first?.state == .failed)
        #expect(try marketingRows("SELECT count(*) AS n FROM subscribers WHERE id = 1") == [["n": "number:0"]])
        try shop.write { try $0.execute(sql: "DROP TRIGGER refuse") }
        try shop.close()
        try workspace.runNightly(configuration, at: "2026-11-23T02:00:00+01:00")
        #expect(try ledger.requests(id: "E-CNO").first?.state == .completed)
        let reference = try installation.keyring().identityReference(name: "email", value: IdentityNormalization.foldedEmail(email))
        #expect(try ledger.isSuppressed(reference), "the address is on the list")
        let receipt = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.url("demo/outbox/E-CNO/receipt.json"))) as! [String: Any]
        #expect((receipt["suppressed"] as? [String])?.contains("email") == true, "\(receipt["suppressed"] ?? "none")")
    }

    /// Nights of erasures killed at random moments, then a last run: everyone is erased in
    /// both stores, each erasure recorded once, and no one is left erased in one store only.
    @Test func killedNightsLeaveNoOneErasedInOneStoreOnly() throws {
        let (configuration, _) = try linkedDemo(on: .sqlite)
        let count = 150
        let emails = try workspace.storeRows(configuration, "SELECT id, email FROM customers WHERE id BETWEEN 11 AND \(10 + count) ORDER BY id")
        let marketing = try DatabaseQueue(path: workspace.url("demo/marketing.sqlite").path)
        try marketing.write { db in
            for (offset, row) in emails.enumerated() {
                try db.execute(sql: "INSERT INTO subscribers VALUES (?, ?, NULL, '2025-01-01')", arguments: [100 + offset, row[1]])
                try db.execute(sql: "INSERT INTO newsletter_opens VALUES (?, ?, '2026-01-01')", arguments: [100 + offset, 100 + offset])
            }
        }
        try marketing.close()
        for (offset, row) in emails.enumerated() { try drop("K-\(offset)", "erasure", email: row[1]) }
        var generator = SplitMix(seed: 20261201)
        let killed = try ExternalTools.killedNights(configuration, runs: 10, generator: &generator, within: 20_000..<420_000)
        #expect(killed >= 5, "the runs ended before they could be killed (\(killed) of 10)")
        let final = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(final.status == 0, "\(final.stdout)\(final.stderr)")
        let erasedInShop = try workspace.storeRows(configuration, "SELECT count(*) FROM customers WHERE id BETWEEN 11 AND \(10 + count) AND email = 'erased@invalid'")
        #expect(erasedInShop == [["\(count)"]])
        #expect(try marketingRows("SELECT count(*) AS n FROM subscribers WHERE id >= 100") == [["n": "number:0"]])
        #expect(try marketingRows("SELECT count(*) AS n FROM newsletter_opens WHERE id >= 100") == [["n": "number:0"]])
        let ledger = try Ledger(url: workspace.url("demo/ledger/ledger.sqlite"))
        #expect(try ledger.requests().allSatisfy { $0.state == .completed })
        let erasures = try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM audit WHERE action = 'erasure'")!
        }
        #expect(erasures == count)
        #expect(try ledger.verifyAudit().firstBrokenEntry == nil)
    }

    /// A store that cannot be reached stops the run (74) before anything changes in the
    /// other; once it is back, the next run does everything once.
    @Test func anUnreachableStoreStopsTheRunBeforeAnyChange() throws {
        let (configuration, email) = try linkedDemo(on: .sqlite)
        try drop("E-1", "erasure", email: email)
        let consentsWithdrawn = try marketingRows("SELECT count(*) AS n FROM marketing_consents WHERE withdrawn_at IS NOT NULL")
        let reachable = try String(contentsOf: configuration, encoding: .utf8)
        let unreachable = reachable.replacingOccurrences(of: "    type: sqlite\n    path: marketing.sqlite",
                                                         with: "    type: postgres\n    url: postgres://dsr@127.0.0.1:1/marketing")
        #expect(unreachable != reachable)
        try Data(unreachable.utf8).write(to: configuration)
        let stopped = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(stopped.status == 74, "\(stopped.stderr)")
        #expect(stopped.stderr.contains("127.0.0.1:1") && !stopped.stderr.contains(email))
        #expect(try AnswerDocuments.rows(workspace.url("demo/store.sqlite"), "SELECT email FROM customers WHERE id = 1") == [["email": "text:\(email)"]])
        #expect(try marketingRows("SELECT count(*) AS n FROM subscribers") == [["n": "number:3"]])
        #expect(try marketingRows("SELECT count(*) AS n FROM marketing_consents WHERE withdrawn_at IS NOT NULL") == consentsWithdrawn)
        try Data(reachable.utf8).write(to: configuration)
        let finished = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(try workspace.storeRows(configuration, "SELECT email FROM customers WHERE id = 1") == [["erased@invalid"]])
        #expect(try marketingRows("SELECT count(*) AS n FROM subscribers") == [["n": "number:2"]])
        let ledger = try workspace.installation(configuration).ledger()
        #expect(try ledger.auditEntries(requestID: "E-1").filter { $0.action == "erasure" }.count == 1)
    }

    /// A breach scope over both stores counts a customer the shop and the newsletter both
    /// hold once, and someone only the newsletter holds once; the rows count per store.
    @Test(arguments: StoreKind.allCases)
    func aBreachOverBothStoresCountsEachPersonOnce(_ kind: StoreKind) throws {
        let (configuration, email) = try linkedDemo(on: kind)
        try workspace.write("email\n\(email)\n\(Self.newsletterOnly.decomposedStringWithCanonicalMapping)\n", to: "demo/breaches/BR-TWO.csv")
        let breach = try workspace.write("""
            id: BR-TWO
            title: Newsletter list and two customer records exposed
            aware_at: 2026-11-20T14:37:00+01:00
            occurred_from: 2026-11-20T09:12:00+01:00
            types: [confidentiality]
            cause: accidental
            description: A test export of both systems was left readable.
            discovered_how: Found in a review.
            scope:
              - {table: customers, columns: [email], where: {id: [1, 2]}}
              - {table: subscribers, columns: [email, first_name], all: true}
              - {table: newsletter_opens, columns: [opened_at], ids_file: BR-TWO.csv}
            subject_categories: [customers, newsletter subscribers]
            data_encrypted: false
            likely_consequences: Unwanted mail.
            measures_taken: Access removed.
            measures_proposed: Exports are reviewed.
            notify_authority: true
            """, to: "demo/breaches/BR-TWO.yaml")
        let record = try workspace.installation(configuration).breachRegister().open(breach, now: Timestamp.parse("2026-11-20T15:00:00+01:00")!)
        // Customers 1 and 2, customer 1 again through the link, Åse and the stranger.
        #expect(record.measurement.people == 4)
        #expect(record.measurement.records == 2 + 3 + 3)
        #expect(record.measurement.identitiesListed == 2 && record.measurement.identitiesUnmatched == 0)
        let tables = Dictionary(uniqueKeysWithValues: record.measurement.tables.map { ($0.table, ($0.store, $0.records, $0.people)) })
        #expect(tables["customers"]?.0 == "shop" && tables["subscribers"]?.0 == "marketing")
        #expect(tables["subscribers"]?.1 == 3 && tables["newsletter_opens"]?.1 == 3 && tables["newsletter_opens"]?.2 == 2)
    }

    /// A customer erased by customer number keeps their consent evidence in the marketing
    /// store under their address, which no longer leads to the shop; the erasure suppresses
    /// that address too, so the list never offers it as a reader's.
    @Test(arguments: StoreKind.allCases)
    func anErasureByCustomerNumberKeepsTheConsentAddressOffTheList(_ kind: StoreKind) throws {
        let (configuration, email) = try linkedDemo(on: kind)
        let eligible = { () throws -> [ConsentEligibility.Contact] in
            var contacts: [ConsentEligibility.Contact] = []
            try ConsentEligibility(installation: try self.workspace.installation(configuration), channel: .email, purpose: "newsletter")
                .forEach(now: Timestamp.parse("2026-11-22T12:00:00Z")!) { contacts.append($0) }
            return contacts
        }
        #expect(try eligible().contains { $0.customerKey == "1" && $0.basis == "consent" })
        try drop("E-NO", "erasure", subject: "customer_no: C-000001")
        try workspace.runNightly(configuration, at: "2026-11-21T02:00:00+01:00")
        #expect(try marketingRows("SELECT count(*) AS n FROM marketing_consents WHERE lower(email) = '\(email.lowercased())'") != [["n": "number:0"]])
        let after = try eligible()
        #expect(!after.contains { $0.customerKey == "1" || $0.contact.lowercased() == email.lowercased() })
    }

    /// The dry run previews an erasure over both stores and changes neither.
    @Test func theDryRunPreviewsBothStoresAndChangesNothing() throws {
        let (configuration, email) = try linkedDemo(on: .sqlite)
        try drop("E-1", "erasure", email: email)
        let before = try [workspace.url("demo/store.sqlite"), workspace.url("demo/marketing.sqlite")].map { try Data(contentsOf: $0) }
        let report = try workspace.installation(configuration).dryRun(clock: { Timestamp.parse("2026-11-21T02:00:00+01:00")! }).run()
        let receipt = try #require(report.entries.first { $0.id == "E-1" }?.receipt)
        let deleted = Dictionary(uniqueKeysWithValues: receipt.tables.map { ("\($0.store ?? ""):\($0.table)", $0.rowsDeleted) })
        #expect(deleted["marketing:subscribers"] == 1 && deleted["marketing:newsletter_opens"] == 1)
        #expect(receipt.tables.contains { $0.store == "shop" && $0.table == "customers" && $0.rowsChanged == 1 })
        #expect(try [workspace.url("demo/store.sqlite"), workspace.url("demo/marketing.sqlite")].map { try Data(contentsOf: $0) } == before)
    }

    /// Both stores restored from backups taken before an erasure: reapply erases the
    /// customer again in both, and the newsletter-only person in theirs.
    @Test func erasureReapplyErasesAgainInEveryStore() throws {
        let (configuration, email) = try linkedDemo(on: .sqlite)
        let files = ["store.sqlite", "marketing.sqlite"]
        for file in files { try FileManager.default.copyItem(at: workspace.url("demo/\(file)"), to: workspace.url("backup-\(file)")) }
        try drop("E-1", "erasure", email: email)
        try drop("E-2", "erasure", email: Self.newsletterOnly)
        try workspace.runNightly(configuration, at: "2026-11-21T02:00:00+01:00")
        #expect(try marketingRows("SELECT id FROM subscribers") == [["id": "number:3"]])
        for file in files {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(at: workspace.url("demo/\(file)\(suffix)")) }
            try FileManager.default.copyItem(at: workspace.url("backup-\(file)"), to: workspace.url("demo/\(file)"))
        }
        #expect(try marketingRows("SELECT count(*) AS n FROM subscribers") == [["n": "number:3"]])
        let report = try workspace.installation(configuration).erasureReapply().run(now: Timestamp.parse("2026-11-22T02:00:00+01:00")!)
        #expect(report.recorded == 2 && report.found == 2 && report.reErased == 2 && report.failed.isEmpty)
        #expect(try marketingRows("SELECT id FROM subscribers") == [["id": "number:3"]])
        #expect(try marketingRows("SELECT id FROM newsletter_opens") == [["id": "number:4"]])
        #expect(try workspace.storeRows(configuration, "SELECT email FROM customers WHERE id = 1") == [["erased@invalid"]])
    }

    /// A store of another shape: a CRM with PascalCase names and composite keys, linked to
    /// customers by their customer number (a subject-column link).
    @Test(arguments: StoreKind.allCases)
    func aCRMLinkedByCustomerNumberIsAnsweredAndErased(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        let folder = configuration.deletingLastPathComponent()
        let number = try workspace.storeRows(configuration, "SELECT customer_no FROM customers WHERE id = 3")[0][0]
        try writeSQLite("crm.sqlite") { db in
            try db.execute(sql: """
                CREATE TABLE "CrmContact" ("Region" TEXT NOT NULL, "ContactNo" INTEGER NOT NULL, "ContactId" INTEGER NOT NULL UNIQUE,
                                           "ShopCustomerNo" TEXT, "FullName" TEXT, PRIMARY KEY ("Region", "ContactNo"));
                CREATE INDEX "CrmContactShop" ON "CrmContact" ("ShopCustomerNo");
                CREATE TABLE "CrmNote" ("ContactId" INTEGER NOT NULL REFERENCES "CrmContact" ("ContactId"), "Seq" INTEGER NOT NULL,
                                        "Text" TEXT, PRIMARY KEY ("ContactId", "Seq"));
                -- Kept by another system, referring by the composite key: a map cannot follow it.
                CREATE TABLE "CrmCall" ("Region" TEXT NOT NULL, "ContactNo" INTEGER NOT NULL, "At" TEXT,
                                        FOREIGN KEY ("Region", "ContactNo") REFERENCES "CrmContact" ("Region", "ContactNo"));
                """)
            try db.execute(sql: "INSERT INTO \"CrmContact\" VALUES ('NO', 7, 70, ?, 'Ørjan Ås'), ('SE', 7, 71, 'C-999999', 'Someone Else')",
                           arguments: [number])
            try db.execute(sql: "INSERT INTO \"CrmNote\" VALUES (70, 1, 'Ringte om levering'), (70, 2, 'Ønsker færre e-poster'), (71, 1, 'Other')")
            try db.execute(sql: "INSERT INTO \"CrmCall\" VALUES ('NO', 7, '2026-01-01'), ('SE', 7, '2026-01-02')")
        }
        let text = try String(contentsOf: configuration, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "  marketing:\n", with: "  crm:\n    type: sqlite\n    path: crm.sqlite\n  marketing:\n").utf8)
            .write(to: configuration)
        try mapTables("""
              CrmContact:
                store: crm
                link: {column: ShopCustomerNo, subject_column: customer_no}
                description: What our sales team knows of you.
                purposes: [Customer service]
                legal_basis: Art. 6(1)(f) legitimate interests
                retention: 2 years after the last contact.
                columns:
                  Region: {category: identification, erasure: keep}
                  ContactNo: {category: identification, erasure: keep}
                  ContactId: {category: identification, erasure: keep}
                  ShopCustomerNo: {category: identification, erasure: keep}
                  FullName: {category: identification, provided: true, erasure: "null"}
              CrmNote:
                store: crm
                references: {ContactId: CrmContact.ContactId}
                erasure: delete
                description: Notes of our calls with you.
                purposes: [Customer service]
                legal_basis: Art. 6(1)(f) legitimate interests
                retention: 2 years.
                columns:
                  Seq: {category: identification}
                  Text: {category: communication}
              CrmCall:
                store: crm
                references: {ContactNo: CrmContact.ContactNo}
                erasure: delete
                description: Calls.
                purposes: [Customer service]
                legal_basis: Art. 6(1)(f) legitimate interests
                retention: 2 years.
                columns:
                  Region: {category: identification}
                  At: {category: behavioural}

            """)
        let mapURL = folder.appendingPathComponent("datamap.yaml")
        let map = try String(contentsOf: mapURL, encoding: .utf8)
        // Half of the composite key would give Ørjan the Swedish contact's calls.
        let composite = try workspace.installation(configuration).checkDataMap()
        #expect(composite.errors.map(\.field) == ["tables.CrmCall.references.ContactNo"])
        // Left out with a reason instead, the map holds.
        let call = try #require(map.range(of: #"  CrmCall:\n(    .*\n)+"#, options: .regularExpression))
        try Data((map.replacingCharacters(in: call, with: "") + "\nignored:\n  tables:\n    CrmCall: kept by the phone system, which erases it itself\n").utf8)
            .write(to: mapURL)
        let check = try workspace.installation(configuration).checkDataMap()
        #expect(check.errors.isEmpty, "\(check.errors)")
        #expect(check.findings.contains { $0.field == "tables.CrmContact.link" && $0.message.contains("CrmContactShop") })
        try emptyInbox()
        try drop("A-3", "access", subject: "customer_no: \(number)")
        try workspace.runNightly(configuration, at: "2026-11-21T02:00:00+01:00")
        let answered = AnswerDocuments.rowsByTable(try AnswerDocuments.json(workspace.url("demo/outbox"), "A-3", .accessReport))
        #expect(answered["CrmContact"]?.map { $0["FullName"] } == ["text:Ørjan Ås"])
        #expect(answered["CrmNote"]?.compactMap { $0["Text"] } == ["text:Ringte om levering", "text:Ønsker færre e-poster"])
        #expect(answered["CrmContact"]?.map { $0["Region"] } == ["text:NO"])
        try drop("E-3", "erasure", subject: "customer_no: \(number)")
        try workspace.runNightly(configuration, at: "2026-11-22T02:00:00+01:00")
        let left = try AnswerDocuments.rows(folder.appendingPathComponent("crm.sqlite"), """
            SELECT "Region", "ContactNo", "FullName", (SELECT count(*) FROM "CrmNote" n WHERE n."ContactId" = c."ContactId") AS notes
            FROM "CrmContact" c ORDER BY "Region"
            """)
        #expect(left == [["Region": "text:NO", "ContactNo": "number:7", "FullName": "null", "notes": "number:0"],
                         ["Region": "text:SE", "ContactNo": "number:7", "FullName": "text:Someone Else", "notes": "number:1"]])
    }
}
