@testable import DSRKit
import DSRCore
import Foundation
import Testing

/// One person's requests of one night are carried out as the person would expect: the same
/// request sent twice is answered once, naming both references, at no charge and without
/// review; an access asked beside an erasure shows the data as it was before the erasure.
@Suite struct SameNightRequestsTests {
    let workspace: TestWorkspace
    let night = "2026-11-22T01:00:00Z"

    init() throws {
        workspace = try TestWorkspace()
    }

    @Test(arguments: StoreKind.allCases)
    func theSameRequestTwiceIsAnsweredOnceNamingBoth(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        // One person named by address, then by phone in another spelling.
        try workspace.dropVerifiedRequest("REQ-TWICE-1", "access", subject: "email: per.hansen7@example.no")
        try workspace.dropVerifiedRequest("REQ-TWICE-2", "access", subject: "phone: '+47 900 00 007'")
        let summary = try workspace.runNightly(configuration, at: night)
        #expect(summary.needsReview.allSatisfy { !$0.id.hasPrefix("REQ-TWICE") }, "a repeat on one night is no Art. 12(5) case")

        let outbox = configuration.deletingLastPathComponent().appendingPathComponent("outbox")
        let answer = try AnswerDocuments.json(outbox, "REQ-TWICE-1", .accessReport)
        let request = try #require(answer["request"] as? [String: Any])
        #expect(request["also_answers"] as? [String] == ["REQ-TWICE-2"])
        #expect(AnswerDocuments.rowsByTable(answer)["customers"]?.map { $0["id"] } == ["number:7"])
        #expect(!FileManager.default.fileExists(atPath: outbox.appendingPathComponent("REQ-TWICE-2").path), "one answer, not two")
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("access-report.schema.json"),
                                                   documents: [outbox.appendingPathComponent("REQ-TWICE-1/access-report.json")]) == [])
        let xml = outbox.appendingPathComponent("REQ-TWICE-1/access-report.xml")
        #expect(try XMLSchemaValidator(schemaURL: ExternalTools.schema("access-report.xsd")).errors(validating: xml) == [])
        let letter = try String(contentsOf: outbox.appendingPathComponent("REQ-TWICE-1/letter.txt"), encoding: .utf8)
        #expect(letter.contains("Dette ene svaret gjelder for hver av dem, uten kostnad: REQ-TWICE-2"), "\(letter)")
        let page = try workspace.demoLetter("REQ-TWICE-1")
        #expect(page.text.contains("REQ-TWICE-2"))

        let ledger = try workspace.installation(configuration).ledger()
        let states = try ledger.requests().filter { $0.id.hasPrefix("REQ-TWICE") }.map { "\($0.id) \($0.state.rawValue)" }.sorted()
        #expect(states == ["REQ-TWICE-1 completed", "REQ-TWICE-2 completed"])
        let merged = try #require(try ledger.requests(id: "REQ-TWICE-2").first)
        #expect(merged.stateReason?.contains("REQ-TWICE-1") == true)
        #expect(summary.done["access", default: 0] >= 2)
    }

    @Test func theSameErasureTwiceIsCarriedOutOnceNamingBoth() throws {
        let configuration = try workspace.demo()
        try workspace.dropVerifiedRequest("REQ-GONE-1", "erasure", subject: "customer_no: C-000009")
        try workspace.dropVerifiedRequest("REQ-GONE-2", "erasure", subject: "email: oyvind.lindqvist9@example.no")
        try workspace.runNightly(configuration, at: night)
        let outbox = configuration.deletingLastPathComponent().appendingPathComponent("outbox")
        let receipt = outbox.appendingPathComponent("REQ-GONE-1/receipt.json")
        let request = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: receipt)) as? [String: Any])?["request"] as? [String: Any])
        #expect(request["also_answers"] as? [String] == ["REQ-GONE-2"])
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("receipt.schema.json"), documents: [receipt]) == [])
        let xsd = try XMLSchemaValidator(schemaURL: ExternalTools.schema("receipt.xsd"))
        #expect(xsd.errors(validating: outbox.appendingPathComponent("REQ-GONE-1/receipt.xml")) == [])
        #expect(!FileManager.default.fileExists(atPath: outbox.appendingPathComponent("REQ-GONE-2").path))
        let ledger = try workspace.installation(configuration).ledger()
        #expect(try ledger.requests().filter { $0.id.hasPrefix("REQ-GONE") }.allSatisfy { $0.state == .completed })
        #expect(try ledger.auditEntries(requestID: "REQ-GONE-1").filter { $0.action == "erasure" }.count == 1)
        #expect(try workspace.storeRows(configuration, "SELECT first_name FROM customers WHERE id = 9") == [["erased"]])
    }

    @Test(arguments: StoreKind.allCases)
    func anAccessBesideAnErasureShowsTheDataAsItWas(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        // The erasure was received first, and more requests than a batch lie between them.
        try workspace.write("""
            id: REQ-ERASE-FIRST
            type: erasure
            received_at: 2026-11-19T09:15:00+01:00
            subject: {customer_no: C-000003}
            verification: {method: bankid, verified_at: 2026-11-19T09:20:00+01:00}
            """, to: "demo/inbox/REQ-ERASE-FIRST.yaml")
        let yaml = try String(contentsOf: workspace.url("demo/dsr.yaml"), encoding: .utf8)
        try Data((yaml + "\nbatch_size: 2\n").utf8).write(to: workspace.url("demo/dsr.yaml"))
        for index in 0..<4 {
            try workspace.dropVerifiedRequest("REQ-FILL-\(index)", "access", subject: "customer_no: C-00002\(index)")
        }
        try workspace.dropVerifiedRequest("REQ-SEE-THEN", "access", subject: "email: ola.nordmann3@example.no")
        try workspace.runNightly(configuration, at: night)

        let outbox = configuration.deletingLastPathComponent().appendingPathComponent("outbox")
        let answer = try AnswerDocuments.json(outbox, "REQ-SEE-THEN", .accessReport)
        let customer = try #require(AnswerDocuments.rowsByTable(answer)["customers"]?.first)
        #expect(customer["first_name"] == "text:Ola", "the answer shows the person as the night found them")
        #expect(try workspace.storeRows(configuration, "SELECT first_name FROM customers WHERE id = 3") == [["erased"]])
    }
}
