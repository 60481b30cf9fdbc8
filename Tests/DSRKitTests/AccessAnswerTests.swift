import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// Access (Art. 15) and export (Art. 20) answers on the demo store, checked against direct
/// SQL, the shipped schemas, and the manifest.
@Suite struct AccessAnswerTests {
    let workspace: TestWorkspace
    let configuration: URL
    let summary: RunSummary

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
        summary = try workspace.runNightly(configuration)
    }

    var outbox: URL { workspace.url("demo/outbox") }
    var store: URL { workspace.url("demo/store.sqlite") }

    /// Columns of a demo table as the data map lists them, for the direct SQL.
    func columns(_ table: String) throws -> String {
        let map = try DataMap.load(from: workspace.url("demo/datamap.yaml"))
        // Access reports show the mapped columns and the references that tie rows together.
        let mapped = map.table(named: table)!
        return (mapped.columns + mapped.unlistedReferenceColumns).map { "\"\($0.name)\"" }.joined(separator: ", ")
    }

    @Test func runAnswersTheSampleRequests() {
        #expect(summary.done == ["access": 2, "export": 1, "erasure": 1, "rectification": 1, "objection": 1, "restriction": 1])
        #expect(summary.noDataHeld == 1)
        #expect(summary.awaitingVerification == ["REQ-DEMO-0003"])
        #expect(summary.needsReview.map(\.id) == ["REQ-DEMO-0005", "REQ-DEMO-0007"])
        #expect(summary.intake.rejected.map(\.file) == ["bad-malformed.yaml", "bad-unknown-identity.yaml", "bad-unknown-type.json"])
        #expect(summary.exitStatus == .attentionNeeded)
    }

    @Test func accessReportHoldsExactlyTheSubjectsRows() throws {
        let report = try AnswerDocuments.json(outbox, "REQ-DEMO-0001", .accessReport)
        #expect(report["subject_found"] as? Bool == true)
        let answered = AnswerDocuments.rowsByTable(report)
        // Customer 1 asked, with an email written in other case and with spaces around it.
        let direct: [String: String] = [
            "customers": "SELECT \(try columns("customers")) FROM customers WHERE id = 1 ORDER BY id",
            "loyalty_memberships": "SELECT \(try columns("loyalty_memberships")) FROM loyalty_memberships WHERE customer_id = 1 ORDER BY id",
            "orders": "SELECT \(try columns("orders")) FROM orders WHERE customer_id = 1 ORDER BY id",
            "order_lines": "SELECT \(try columns("order_lines")) FROM order_lines WHERE order_id IN (SELECT id FROM orders WHERE customer_id = 1) ORDER BY id",
            "support_tickets": "SELECT \(try columns("support_tickets")) FROM support_tickets WHERE customer_id = 1 ORDER BY id",
            // In the marketing store, by the customer's address.
            "marketing_consents": """
                SELECT \(try columns("marketing_consents")) FROM marketing_consents
                WHERE lower(trim(email)) = (SELECT lower(trim(email)) FROM shop.customers WHERE id = 1) ORDER BY id
                """,
        ]
        #expect(Set(answered.keys) == Set(direct.keys))
        let marketing = try DatabaseQueue(path: workspace.url("demo/marketing.sqlite").path)
        try marketing.writeWithoutTransaction { db in try db.execute(sql: "ATTACH DATABASE ? AS shop", arguments: [store.path]) }
        for (table, sql) in direct {
            let expected = table == "marketing_consents"
                ? try marketing.read { db in
                    try Row.fetchAll(db, sql: sql).map { row in
                        Dictionary(uniqueKeysWithValues: row.columnNames.map { ($0, AnswerDocuments.comparable(database: row[$0])) })
                    }
                }
                : try AnswerDocuments.rows(store, sql)
            #expect(answered[table]! == expected, "table \(table)")
        }
        #expect(answered["marketing_consents"]!.count > 0)
        #expect(answered["orders"]!.count > 0 && answered["order_lines"]!.count == 2 * answered["orders"]!.count)
    }

    @Test func accessReportCarriesTheArticle15Facts() throws {
        let report = try AnswerDocuments.json(outbox, "REQ-DEMO-0001", .accessReport)
        let processing = report["processing"] as! [String: String]
        #expect(processing["complaint"]!.contains("Datatilsynet"))
        let tables = report["tables"] as! [[String: Any]]
        let tickets = tables.first { $0["table"] as? String == "support_tickets" }!
        #expect((tickets["categories"] as! [String]).contains("health"))
        // The map's texts in the request's language (REQ-DEMO-0001 asks none: the default, nb).
        #expect((tickets["purposes"] as! [String]) == ["Kundeservice"])
        #expect((tickets["recipients"] as! [String]) == ["Zendesk Inc."])
        #expect(report["controller"] as? [String: String] == ["name": "Demo Shop AS", "dpo_contact": "personvern@demoshop.example, +47 22 00 00 00"])
        let request = report["request"] as! [String: String]
        #expect(request["due_date"] == "2026-12-21")  // one month is Sunday 20 December
    }

    @Test func exportHoldsOnlyProvidedColumns() throws {
        let export = try AnswerDocuments.json(outbox, "REQ-DEMO-0002", .portabilityExport)
        #expect(export["processing"] == nil)
        let map = try DataMap.load(from: workspace.url("demo/datamap.yaml"))
        let tables = export["tables"] as! [[String: Any]]
        let expectedTables = map.tables.filter { $0.columns.contains(where: \.provided) }.map(\.name)
        #expect(tables.map { $0["table"] as! String } == expectedTables)
        for table in tables {
            let provided = Set(map.table(named: table["table"] as! String)!.columns.filter(\.provided).map(\.name))
            for row in table["rows"] as! [[String: Any]] { #expect(Set(row.keys) == provided) }
        }
        // Customer 2 asked by phone number written with spaces.
        let customers = AnswerDocuments.rowsByTable(export)["customers"]!
        #expect(customers.count == 1 && customers[0]["phone"] == "text:+46700000002")
    }

    @Test func unknownPersonGetsNoDataHeldAnswer() throws {
        let report = try AnswerDocuments.json(outbox, "REQ-DEMO-0004", .accessReport)
        #expect(report["subject_found"] as? Bool == false)
        #expect((report["tables"] as! [Any]).isEmpty)
    }

    @Test func everyXMLAnswerValidatesAgainstItsXSD() throws {
        var checked = 0
        for kind in AnswerKind.allCases {
            let validator = try XMLSchemaValidator(schemaURL: DemoSetup.resources
                .deletingLastPathComponent().appendingPathComponent("Schemas/\(kind.fileStem).xsd"))
            for id in ["REQ-DEMO-0001", "REQ-DEMO-0002", "REQ-DEMO-0004"] {
                let document = outbox.appendingPathComponent("\(id)/\(kind.fileStem).xml")
                guard FileManager.default.fileExists(atPath: document.path) else { continue }
                #expect(validator.errors(validating: document) == [], "\(document.path)")
                checked += 1
            }
        }
        #expect(checked == 3)
    }

    @Test func xsdRejectsADocumentThatBreaksIt() throws {
        let validator = try XMLSchemaValidator(schemaURL: ExternalTools.schema("access-report.xsd"))
        let good = try String(contentsOf: outbox.appendingPathComponent("REQ-DEMO-0001/access-report.xml"), encoding: .utf8)
        let broken = try workspace.write(good.replacingOccurrences(of: "category=\"contact\"", with: "category=\"gossip\""), to: "broken.xml")
        #expect(!validator.errors(validating: broken).isEmpty)
    }

    @Test func everyJSONAnswerValidatesAgainstItsJSONSchema() throws {
        for kind in AnswerKind.allCases {
            let documents = ["REQ-DEMO-0001", "REQ-DEMO-0002", "REQ-DEMO-0004"]
                .map { outbox.appendingPathComponent("\($0)/\(kind.fileStem).json") }
                .filter { FileManager.default.fileExists(atPath: $0.path) }
            #expect(!documents.isEmpty)
            #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("\(kind.fileStem).schema.json"), documents: documents) == [])
        }
        let manifests = ["REQ-DEMO-0001", "REQ-DEMO-0002", "REQ-DEMO-0004"].map { outbox.appendingPathComponent("\($0)/manifest.json") }
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("manifest.schema.json"), documents: manifests) == [])
    }

    @Test func jsonSchemaRejectsADocumentThatBreaksIt() throws {
        var report = try AnswerDocuments.json(outbox, "REQ-DEMO-0001", .accessReport)
        report["subject_found"] = "yes"
        let broken = workspace.url("broken.json")
        try JSONSerialization.data(withJSONObject: report).write(to: broken)
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("access-report.schema.json"), documents: [broken]).count == 1)
    }

    @Test func answersArePrivateAndMatchTheirManifest() throws {
        for id in ["REQ-DEMO-0001", "REQ-DEMO-0002", "REQ-DEMO-0004"] {
            let folder = outbox.appendingPathComponent(id)
            #expect(try permissions(folder) == 0o700)
            let manifest = try #require(Manifest.verified(in: folder))
            #expect(manifest.requestID == id)
            // The answer's JSON and XML, and its letter as HTML and text.
            #expect(Set(manifest.files.map { URL(fileURLWithPath: $0.name).pathExtension }) == ["json", "xml", "html", "txt"])
            for entry in manifest.files { #expect(try permissions(folder.appendingPathComponent(entry.name)) == 0o600) }
            #expect(try permissions(folder.appendingPathComponent("manifest.json")) == 0o600)
        }
        #expect(!FileManager.default.fileExists(atPath: outbox.appendingPathComponent("REQ-DEMO-0003").path))
    }

    @Test func secondRunDoesNothingAgain() throws {
        let before = try workspace.contents(of: outbox)
        let again = try workspace.runNightly(configuration)
        #expect(again.done.isEmpty)
        #expect(again.intake.accepted.isEmpty && again.intake.rejected.isEmpty)
        #expect(try workspace.contents(of: outbox) == before)
    }

    @Test func ledgerForgetsRawIdentitiesOnceFinal() throws {
        let ledger = try Ledger(url: workspace.url("demo/ledger/ledger.sqlite"))
        for record in try ledger.requests() {
            #expect((record.payload == nil) == record.state.isFinal, "\(record.id)")
            let resolved = record.state == .completed && record.stateReason != "no personal data held"
            #expect((record.subjectReference != nil) == resolved, "\(record.id)")
        }
        for file in ["ledger.sqlite", "ledger.sqlite-wal"] {
            let raw = (try? Data(contentsOf: workspace.url("demo/ledger/\(file)"))) ?? Data()
            #expect(raw.range(of: Data("kari.nordmann1@example.no".utf8)) == nil, "\(file)")
        }
    }

    @Test func anIncompleteFolderInTheWayIsSetAsideNotMixedIn() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo()
        let leftover = workspace.url("demo/outbox/REQ-DEMO-0001")
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)
        try Data("half".utf8).write(to: leftover.appendingPathComponent("access-report.json"))
        _ = try workspace.runNightly(configuration)
        #expect(Manifest.verified(in: leftover)?.requestID == "REQ-DEMO-0001")
        let outbox = workspace.url("demo/outbox")
        let aside = try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasPrefix(".replaced-REQ-DEMO-0001-") }
        #expect(aside.count == 1)
        let kept = try Data(contentsOf: outbox.appendingPathComponent("\(aside.first ?? "")/access-report.json"))
        #expect(String(decoding: kept, as: UTF8.self) == "half")
    }

    func permissions(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as! Int) & 0o777
    }
}
