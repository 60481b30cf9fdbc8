import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// Rectification, restriction, objection and consent withdrawal on the demo store.
@Suite struct StoreChangeTests {
    let workspace: TestWorkspace
    let configuration: URL

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
    }

    var store: URL { workspace.url("demo/store.sqlite") }

    func value<T: DatabaseValueConvertible>(_ sql: String) throws -> T? {
        try DatabaseQueue(path: store.path).read { db in try T.fetchOne(db, sql: sql) }
    }

    func receipt(_ id: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: workspace.url("demo/outbox/\(id)/receipt.json"))
        return (try JSONSerialization.jsonObject(with: data) as! [String: Any])["tables"] as! [[String: Any]]
    }

    @Test func rectificationChangesTheNamedColumnsOnly() throws {
        let before: String? = try value("SELECT first_name || birth_date FROM customers WHERE id = 8")
        try workspace.runNightly(configuration)
        #expect(try value("SELECT street || '|' || postcode || '|' || city || '|' || phone FROM customers WHERE id = 8")
                == "Kongens gate 12|7011|Trondheim|+46709998877")
        #expect(try value("SELECT first_name || birth_date FROM customers WHERE id = 8") == before)
        let tables = try receipt("REQ-DEMO-0008")
        #expect(tables.count == 1 && tables[0]["rows_changed"] as? Int == 1)
        #expect((tables[0]["columns"] as! [[String: String]]).map { $0["action"]! } == ["rectify", "rectify", "rectify", "rectify"])
    }

    @Test func rectificationThatDoesNotFitItsColumnIsRefusedWhenTheFileIsRead() throws {
        // Points are rectifiable in this map, to show the type check.
        let mapURL = workspace.url("demo/datamap.yaml")
        let map = try String(contentsOf: mapURL, encoding: .utf8)
        try map.replacingOccurrences(of: "      points:     {category: behavioural,", with: "      points:     {category: behavioural, rectifiable: true,")
            .write(to: mapURL, atomically: true, encoding: .utf8)
        try workspace.write("""
            {"id": "R-BAD", "type": "rectification", "received_at": "2026-11-21T10:00:00+01:00",
             "subject": {"customer_no": "C-000011"}, "verification": {"method": "bankid", "verified_at": "2026-11-21T10:00:00+01:00"},
             "changes": {"loyalty_memberships.points": "lots"}}
            """, to: "demo/inbox/R-BAD.json")
        let before: Int? = try value("SELECT points FROM loyalty_memberships WHERE customer_id = 11")
        let summary = try workspace.runNightly(configuration)
        #expect(summary.intake.rejected.first { $0.file == "R-BAD.json" }?.problems ==
                ["R-BAD.json:3: field 'changes.loyalty_memberships.points': the new value does not fit the column's type INTEGER"])
        #expect(try value("SELECT points FROM loyalty_memberships WHERE customer_id = 11") == before)
    }

    @Test func identitiesUsedForMatchingCannotBeRectifiedUnlessAllowed() throws {
        try workspace.write("""
            {"id": "R-ID", "type": "rectification", "received_at": "2026-11-21T10:00:00+01:00",
             "subject": {"customer_no": "C-000011"}, "changes": {"customers.customer_no": "C-999"}}
            """, to: "demo/inbox/R-ID.json")
        let summary = try workspace.runNightly(configuration)
        #expect(summary.intake.rejected.first { $0.file == "R-ID.json" }?.problems ==
                ["R-ID.json:2: field 'changes.customers.customer_no': is the identity 'customer_no' used for matching; the data map does not allow rectifying it"])
    }

    @Test func restrictionFlagsEveryRowOfTheSubject() throws {
        try workspace.runNightly(configuration)
        #expect(try value("SELECT restricted FROM customers WHERE id = 10") == 1)
        #expect(try value("SELECT count(*) FROM orders WHERE customer_id = 10 AND restricted = 0") == 0)
        #expect(try value("SELECT count(*) FROM orders WHERE customer_id = 10") == 2)
        #expect(try value("SELECT count(*) FROM customers WHERE restricted = 1") == 1)
        let status = try Ledger(url: workspace.url("demo/ledger/ledger.sqlite")).requests(id: "REQ-DEMO-0010")[0]
        #expect(status.state == .completed && status.stateReason == "processing restricted (Art. 18)")
    }

    @Test func objectionWithdrawsMatchingConsentsAndLeavesServiceDataAlone() throws {
        // Customer 9 has a newsletter consent by email in the marketing store, under their
        // address; give them one already withdrawn, and one for offers.
        let marketing = try DatabaseQueue(path: workspace.url("demo/marketing.sqlite").path)
        let email: String = try value("SELECT lower(email) FROM customers WHERE id = 9")!
        func consents<T: DatabaseValueConvertible>(_ sql: String) throws -> T? {
            try marketing.read { db in try T.fetchOne(db, sql: sql, arguments: [email]) }
        }
        try marketing.write { db in
            try db.execute(sql: """
                INSERT INTO marketing_consents (email, purpose, channel, consent_text, text_version, collected_via, granted_at, withdrawn_at)
                VALUES (?, 'newsletter', 'sms', 'Yes', 'v1', 'shop', '2020-01-01', '2021-01-01T00:00:00Z'),
                       (?, 'offers', 'email', 'Yes', 'v1', 'shop', '2020-01-01', NULL)
                """, arguments: [email, email])
        }
        let customer: String? = try value("SELECT email || phone || street FROM customers WHERE id = 9")
        // Other people's consents stay as they were, but for the demo's erasure (REQ-DEMO-0006),
        // which ends the erased person's.
        let othersQuery = """
            SELECT count(*) FROM marketing_consents WHERE lower(email) NOT IN (?, 'astrid.andersson530@example.se') AND withdrawn_at IS NOT NULL
            """
        let others: Int? = try consents(othersQuery)
        try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        #expect(try consents("SELECT withdrawn_at FROM marketing_consents WHERE lower(email) = ? AND purpose = 'newsletter' AND channel = 'email'")
                == "2026-11-22T03:00:00Z")
        #expect(try consents("SELECT withdrawn_at FROM marketing_consents WHERE lower(email) = ? AND channel = 'sms'") == "2021-01-01T00:00:00Z")
        #expect(try consents("SELECT withdrawn_at FROM marketing_consents WHERE lower(email) = ? AND purpose = 'offers'") as String? == nil)
        #expect(try value("SELECT email || phone || street FROM customers WHERE id = 9") == customer)
        #expect(try consents(othersQuery) == others)
        let tables = try receipt("REQ-DEMO-0009")
        #expect(tables[0]["rows_changed"] as? Int == 1 && tables[0]["rows_unchanged"] as? Int == 1)
        let ledger = try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path)
        let scopes = try ledger.read { db in try String.fetchAll(db, sql: "SELECT scope FROM suppression WHERE reason = 'objection'") }
        #expect(scopes == ["newsletter/*"])
    }

    @Test func everyReceiptValidates() throws {
        try workspace.runNightly(configuration)
        let validator = try XMLSchemaValidator(schemaURL: ExternalTools.schema("receipt.xsd"))
        var documents: [URL] = []
        for id in ["REQ-DEMO-0006", "REQ-DEMO-0008", "REQ-DEMO-0009", "REQ-DEMO-0010"] {
            #expect(validator.errors(validating: workspace.url("demo/outbox/\(id)/receipt.xml")) == [], "\(id)")
            documents.append(workspace.url("demo/outbox/\(id)/receipt.json"))
        }
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("receipt.schema.json"), documents: documents) == [])
    }
}
