import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// A store shaped nothing like the demo shop (see fixtures/second-shape/schema.sql) gets the
/// same treatment: nothing in dsr is tied to the demo schema.
@Suite struct SecondShapeStoreTests {
    let workspace: TestWorkspace
    let configuration: URL

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.fixture("second-shape", in: "club")
    }

    var store: URL { workspace.url("club/store.sqlite") }
    var outbox: URL { workspace.url("club/outbox") }

    @Test func dataMapFitsTheStore() throws {
        let check = try workspace.installation(configuration).checkDataMap()
        #expect(check.errors == [])
        // The store has no index for its identities' lookups (PersonID, the primary key, serves
        // its own); the statements the check prints make them, names quoted as spelled.
        #expect(check.warnings.map(\.field) == ["identities.email", "identities.mobile", "tables"])
        #expect(check.warnings.last?.message == "no table names a restriction_flag: restriction requests (Art. 18) are refused at intake")
        let statements = check.warnings.filter { $0.field.hasPrefix("identities.") }.map { String($0.message[$0.message.range(of: "CREATE INDEX")!.lowerBound...]) }
        #expect(statements == [#"CREATE INDEX "Person_eMail_lookup" ON "Person" (lower(trim("eMail")));"#,
                               #"CREATE INDEX "Person_Mobile Phone_lookup" ON "Person" ("Mobile Phone");"#])
        _ = try workspace.installation(configuration).store().execute(statements.map { SQLStatement(sql: $0) })
        let again = try workspace.installation(configuration).checkDataMap()
        #expect(again.warnings.map(\.field) == ["tables"] && again.errors == [])
        #expect(again.findings.filter { $0.field.hasPrefix("identities.") }.map(\.severity) == [.note, .note, .note])
    }

    /// With no labels in the map, the letter names columns as the store spells them (quoted
    /// names with spaces and mixed case) and shows the person's values, in the only language
    /// the controller names (English, the default).
    @Test func theLetterShowsColumnNamesAndThePersonsValues() throws {
        try workspace.runNightly(configuration)
        let page = try ExternalTools.parseHTML(outbox.appendingPathComponent("SS-1/letter.html"))
        #expect(page.errors == [] && page.lang == "en" && page.title.hasPrefix("Your personal data"), "\(page.errors) \(page.lang ?? "-") \(page.title)")
        let person = try workspace.storeRows(configuration, #"SELECT "eMail", "FullName" FROM "Person" WHERE "PersonID" = 'P-001'"#)[0]
        let fields = page.tables.flatMap { table in zip(table.headers, table.rows.map { $0.first ?? "" }) }
        for (column, value) in zip(["eMail", "FullName"], person) {
            #expect(fields.contains { $0.0 == column && $0.1 == value }, "\(column)")
        }
        let others = try workspace.storeRows(configuration, #"SELECT "eMail" FROM "Person" WHERE "PersonID" <> 'P-001'"#)
        #expect(!others.isEmpty)
        for row in others { #expect(!page.text.contains(row[0])) }
        // A control character a store holds is shown by its code, and the page stays valid.
        #expect(page.text.contains("control⟨U+0001⟩char"))
    }

    @Test func pathsFollowReferencesSeveralHopsDeep() throws {
        let map = try DataMap.load(from: workspace.url("club/datamap.yaml"))
        #expect(map.table(named: "Shipment Event")!.pathToSubject.map(\.targetTable) == ["LineItem", "Order", "Person"])
        #expect(map.table(named: "group")!.pathToSubject.map(\.targetColumn) == ["eMail"])
    }

    @Test func accessReportEqualsDirectSQL() throws {
        let summary = try workspace.runNightly(configuration)
        #expect(summary.done == ["access": 1, "export": 1])
        let answered = AnswerDocuments.rowsByTable(try AnswerDocuments.json(outbox, "SS-1", .accessReport))
        let direct: [String: String] = [
            "Person": #"SELECT "PersonID", "eMail", "Mobile Phone", "FullName" FROM "Person" WHERE "PersonID" = 'P-001'"#,
            "Order": #"SELECT "OrderNo", "Placed", "select", "Buyer" FROM "Order" WHERE "Buyer" = 'P-001' ORDER BY "OrderNo""#,
            "LineItem": #"SELECT l."ID", l."Item", l."Price", l."Order" FROM "LineItem" l JOIN "Order" o ON l."Order" = o."OrderNo" WHERE o."Buyer" = 'P-001' ORDER BY l."ID""#,
            "Shipment Event": #"""
                SELECT s."Seq", s."Where", s."Signed By", s."Photo", s."LineItemRef" FROM "Shipment Event" s
                JOIN "LineItem" l ON s."LineItemRef" = l."ID" JOIN "Order" o ON l."Order" = o."OrderNo"
                WHERE o."Buyer" = 'P-001' ORDER BY s."Seq"
                """#,
            "group": #"SELECT g."gid", g."label", g."ownerMail" FROM "group" g JOIN "Person" p ON g."ownerMail" = p."eMail" WHERE p."PersonID" = 'P-001'"#,
        ]
        for (table, sql) in direct {
            #expect(answered[table]! == (try AnswerDocuments.rows(store, sql)), "table \(table)")
        }
        #expect(answered["Shipment Event"]!.count == 3)
        #expect(answered["LineItem"]!.map { $0["Price"] } == ["number:19.5", "number:2.25", "number:120"])
    }

    @Test func xmlCarriesBlobsAndControlCharactersAsBase64AndValidates() throws {
        try workspace.runNightly(configuration)
        let document = outbox.appendingPathComponent("SS-1/access-report.xml")
        let validator = try XMLSchemaValidator(schemaURL: ExternalTools.schema("access-report.xsd"))
        #expect(validator.errors(validating: document) == [])
        let xml = try String(contentsOf: document, encoding: .utf8)
        #expect(xml.contains(#"<value column="Photo" type="blob" encoding="base64">iVBORw==</value>"#))
        #expect(xml.contains(#"<value column="Signed By" type="text" encoding="base64">\#(Data("control\u{1}char".utf8).base64EncodedString())</value>"#))
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("access-report.schema.json"),
                                                   documents: [outbox.appendingPathComponent("SS-1/access-report.json")]) == [])
    }

    @Test func exportByTextKeyHoldsOnlyProvidedData() throws {
        try workspace.runNightly(configuration)
        let export = AnswerDocuments.rowsByTable(try AnswerDocuments.json(outbox, "SS-2", .portabilityExport))
        #expect(export == [
            "Person": [["eMail": "text:jonas@example.com", "Mobile Phone": "text:+46701234567", "FullName": "text:Jonas Ek"]],
            "Order": [["select": "text:express"]],
            "group": [["label": "text:Runners"]],
        ])
    }

    /// Art. 19 on a schema of capitals, spaces and reserved words: a carrier that received
    /// the members' addresses and the shipment events is told of each erasure by the email
    /// as stored, whatever spelling and request format the erasure came in.
    @Test func recipientsOfOddlyNamedTablesAreToldByTheStoredIdentity() throws {
        let mapURL = workspace.url("club/datamap.yaml")
        var map = try String(contentsOf: mapURL, encoding: .utf8)
        map = map.replacingOccurrences(of: "\ntables:\n", with: """

            recipients:
              parcel-carrier:
                name: Bring Parcels Sverige AB
                contact: dpo@carrier.example
                notify: [erasure]
                identity: email
                format: csv
                columns: [Person.eMail, Person.FullName, "Shipment Event.Where", "Shipment Event.Signed By"]

            tables:

            """)
        map = map.replacingOccurrences(of: "    description: Your membership record.\n", with: "    description: Your membership record.\n    recipients: [parcel-carrier]\n")
        map = map.replacingOccurrences(of: "    description: Where your parcels went.\n", with: "    description: Where your parcels went.\n    recipients: [parcel-carrier]\n")
        try Data(map.utf8).write(to: mapURL)
        for name in try FileManager.default.contentsOfDirectory(atPath: workspace.url("club/inbox").path) {
            try FileManager.default.removeItem(at: workspace.url("club/inbox/\(name)"))
        }
        try workspace.write("""
            {"id": "SS-E1", "type": "erasure", "received_at": "2026-03-05T10:00:00+01:00", "subject": {"email": " ANNA.BERG@example.COM"},
             "verification": {"method": "in-person", "verified_at": "2026-03-05T10:05:00+01:00"}}
            """, to: "club/inbox/SS-E1.json")
        try workspace.write("""
            id: SS-E3
            type: erasure
            received_at: 2026-03-05T11:00:00+01:00
            subject: {person_id: P-003}
            verification: {method: in-person, verified_at: 2026-03-05T11:05:00+01:00}
            """, to: "club/inbox/SS-E3.yaml")
        let summary = try workspace.runNightly(configuration, at: "2026-03-06T02:00:00+01:00")
        #expect(summary.recipients?.batches == ["parcel-carrier/2026-03-06-1.csv"])
        let output = try ExternalTools.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", """
            import csv, json, sys
            print(json.dumps(list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8"), strict=True))))
            """, outbox.appendingPathComponent("recipients/parcel-carrier/2026-03-06-1.csv").path])
        let rows = try JSONDecoder().decode([[String]].self, from: Data(output.stdout.utf8))
        #expect(rows.dropFirst().map { [$0[0], $0[2], $0[4], $0[5]] } == [
            ["SS-E1", "erasure", "email", "Anna.Berg@Example.com"],
            ["SS-E3", "erasure", "email", "lise@example.com"],
        ])
        let receipt = try JSONSerialization.jsonObject(with: Data(contentsOf: outbox.appendingPathComponent("SS-E1/receipt.json"))) as! [String: Any]
        #expect(receipt["recipients_told"] as? [String] == ["Bring Parcels Sverige AB"])
        // Anna's three shipment events went; Jonas's stays.
        #expect(try workspace.storeRows(configuration, #"SELECT "Seq" FROM "Shipment Event""#) == [["1003"]])
    }
}
