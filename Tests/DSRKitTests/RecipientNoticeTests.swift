@testable import DSRKit
import Crypto
import DSRCore
import Foundation
import GRDB
import Testing

/// Art. 19 on the demo shop: its data map declares Posten Bring (CSV, by customer number;
/// told of erasure, rectification and restriction), Zendesk (OpenDSR, by email; erasure) and
/// Klarna (JSON, by customer number; rectification), each with the columns it received.
@Suite struct RecipientNoticeTests {
    let workspace: TestWorkspace
    let configuration: URL

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
        let inbox = workspace.url("demo/inbox")
        for name in try FileManager.default.contentsOfDirectory(atPath: inbox.path) {
            try FileManager.default.removeItem(at: inbox.appendingPathComponent(name))
        }
    }

    static let night = "2026-11-21T02:00:00+01:00"

    private func drop(_ id: String, _ type: String, subject: String, extra: String = "") throws {
        try workspace.dropVerifiedRequest(id, type, subject: subject, extra: extra)
    }

    /// A customer with orders and support tickets: id, customer number, email.
    private func customerWithOrdersAndTickets(skipping: Int = 0) throws -> [String] {
        try workspace.storeRows(configuration, """
            SELECT id, customer_no, email FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)
                AND EXISTS (SELECT 1 FROM support_tickets t WHERE t.customer_id = c.id) ORDER BY id LIMIT 1 OFFSET \(skipping)
            """)[0]
    }

    private func recipientFolder(_ recipient: String) -> URL { workspace.url("demo/outbox/recipients/\(recipient)") }

    private func batches(_ recipient: String, ext: String) throws -> [URL] {
        let folder = recipientFolder(recipient)
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".\(ext)") && !$0.contains("manifest") }
            .sorted().map { folder.appendingPathComponent($0) }
    }

    /// A CSV file as Python's csv module reads it (RFC 4180), header first.
    private func csvRows(_ file: URL) throws -> [[String]] {
        let output = try ExternalTools.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", """
            import csv, json, sys
            print(json.dumps(list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8"), strict=True))))
            """, file.path])
        #expect(output.status == 0, "\(output.stderr)")
        return try JSONDecoder().decode([[String]].self, from: Data(output.stdout.utf8))
    }

    private func json(_ file: URL) throws -> Any { try JSONSerialization.jsonObject(with: Data(contentsOf: file)) }

    @Test func anErasureTellsTheRecipientsOfTheRowsThePersonHasAndNoOthers() throws {
        let customer = try customerWithOrdersAndTickets()
        try drop("E-1", "erasure", subject: "email: \"\(customer[2])\"")
        let summary = try workspace.runNightly(configuration, at: Self.night)
        #expect(summary.recipients?.batches == ["posten-bring/2026-11-21-1.csv", "zendesk/2026-11-21-1.json"])

        let posten = try batches("posten-bring", ext: "csv")
        #expect(posten.map(\.lastPathComponent) == ["2026-11-21-1.csv"])
        let rows = try csvRows(posten[0])
        #expect(rows[0] == RecipientBatchWriter.csvHeader)
        #expect(rows.count == 2)
        #expect(rows[1][0] == "E-1" && rows[1][2] == "erasure" && rows[1][4] == "customer_no" && rows[1][5] == customer[1])
        #expect(rows[1][6...].allSatisfy { $0.isEmpty })

        let zendesk = try batches("zendesk", ext: "json")
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("opendsr-request-batch.schema.json"), documents: zendesk) == [])
        let requests = try json(zendesk[0]) as! [[String: Any]]
        #expect(requests.count == 1)
        #expect(requests[0]["subject_request_type"] as? String == "erasure")
        let identities = requests[0]["subject_identities"] as! [[String: String]]
        #expect(identities == [["identity_type": "email", "identity_value": customer[2], "identity_format": "raw"]])
        // Klarna is told of corrections only; nothing else reached anyone.
        #expect(!FileManager.default.fileExists(atPath: recipientFolder("klarna").path))

        for (recipient, file) in [("posten-bring", posten[0]), ("zendesk", zendesk[0])] {
            let manifest = try json(recipientFolder(recipient).appendingPathComponent("2026-11-21-1.manifest.json")) as! [String: Any]
            let entry = (manifest["files"] as! [[String: Any]])[0]
            let data = try Data(contentsOf: file)
            #expect(entry["sha256"] as? String == Data(SHA256.hash(data: data)).hexString)
            #expect(manifest["notices"] as? Int == 1)
            for name in [file.lastPathComponent, "2026-11-21-1.manifest.json"] {
                let mode = try FileManager.default.attributesOfItem(atPath: recipientFolder(recipient).appendingPathComponent(name).path)[.posixPermissions] as! Int
                #expect(mode == 0o600)
            }
        }

        let receipt = workspace.url("demo/outbox/E-1/receipt.json")
        #expect((try json(receipt) as! [String: Any])["recipients_told"] as? [String] == ["Posten Bring AS", "Zendesk Inc."])
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("receipt.schema.json"), documents: [receipt]) == [])
        let xsd = try XMLSchemaValidator(schemaURL: ExternalTools.schema("receipt.xsd"))
        #expect(xsd.errors(validating: workspace.url("demo/outbox/E-1/receipt.xml")) == [])
        let letter = try ExternalTools.parseHTML(workspace.url("demo/outbox/E-1/letter.html"))
        #expect(letter.errors == [])
        #expect(letter.text.contains("Posten Bring AS") && letter.text.contains("Zendesk Inc."))
        #expect(!letter.text.contains("Klarna"))

        // The ledger keeps no identity once the batch is out.
        let payloads = try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM recipient_notice WHERE payload IS NOT NULL")!
        }
        #expect(payloads == 0)
        // The next night sends nothing again.
        let next = try workspace.runNightly(configuration, at: "2026-11-22T02:00:00+01:00")
        #expect(next.recipients?.batches == [])
    }

    @Test func aRectificationNoticeCarriesOnlyTheCorrectedColumnsTheRecipientReceived() throws {
        let customer = try customerWithOrdersAndTickets()
        try drop("R-1", "rectification", subject: "customer_no: \(customer[1])", extra: """
            changes: {customers.street: "Østre Åsvei 7\\r\\nOppgang B", customers.phone: "+47 912 34 567", customers.birth_date: "1980-02-29"}
            """)
        try workspace.runNightly(configuration, at: Self.night)
        let posten = try csvRows(try batches("posten-bring", ext: "csv")[0])
        // A line break stays inside its field; a leading + is never a spreadsheet formula.
        #expect(posten.dropFirst().map { [$0[0], $0[5], $0[6], $0[7], $0[8]] } == [
            ["R-1", customer[1], "customers", "phone", "'+4791234567"],
            ["R-1", customer[1], "customers", "street", "Østre Åsvei 7\r\nOppgang B"],
        ])
        let klarnaFile = try batches("klarna", ext: "json")
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("recipient-notices.schema.json"), documents: klarnaFile) == [])
        let klarna = try json(klarnaFile[0]) as! [String: Any]
        let notices = klarna["notices"] as! [[String: Any]]
        #expect(notices.count == 1)
        #expect(notices[0]["corrections"] as? [[String: String]] == [["table": "customers", "column": "street", "value": "Østre Åsvei 7\r\nOppgang B"]])
        #expect((notices[0]["identity"] as? [String: Any])?["values"] as? [String] == [customer[1]])
        // Zendesk is told of erasures only; birth dates went to no one.
        #expect(try batches("zendesk", ext: "json").isEmpty)
        #expect(!(try String(contentsOf: klarnaFile[0], encoding: .utf8)).contains("1980"))
        let receipt = try json(workspace.url("demo/outbox/R-1/receipt.json")) as! [String: Any]
        #expect(receipt["recipients_told"] as? [String] == ["Posten Bring AS", "Klarna AB"])
    }

    @Test func acknowledgementsCallbacksAndExemptionsSettleNoticesAndDeadlinesListTheRest() throws {
        let first = try customerWithOrdersAndTickets(), second = try customerWithOrdersAndTickets(skipping: 1)
        try drop("E-1", "erasure", subject: "customer_no: \(first[1])")
        try drop("E-2", "erasure", subject: "customer_no: \(second[1])")
        try workspace.runNightly(configuration, at: Self.night)
        let zendesk = try json(try batches("zendesk", ext: "json")[0]) as! [[String: Any]]
        #expect(zendesk.count == 2)

        // Posten Bring acknowledges E-1 by the officer's command; Zendesk sends callbacks.
        let ack = try ExternalTools.dsr(["recipients", "ack", "posten-bring", recipientFolder("posten-bring").appendingPathComponent("2026-11-21-1.csv").path,
                                         "--request", "E-1", "--config", configuration.path])
        #expect(ack.status == 0, "\(ack.stdout)\(ack.stderr)")
        let wrong = try ExternalTools.dsr(["recipients", "ack", "posten-bring", "2026-11-21-9.csv", "--config", configuration.path])
        #expect(wrong.status == 65 && wrong.stderr.contains("2026-11-21-9.csv"))
        let noticeID = { (id: String) in
            RecipientNotice(requestID: id, recipient: "zendesk", type: .erasure,
                            content: .init(submittedAt: Date(), identity: "email", identityValues: [], corrections: [:])).noticeID
        }
        #expect(Set(zendesk.map { $0["subject_request_id"] as! String }) == [noticeID("E-1"), noticeID("E-2")])
        try workspace.write("""
            {"controller_id": "demo-shop", "status_callback_url": "https://demoshop.example/opendsr", "subject_request_id": "\(noticeID("E-1").uppercased())",
             "request_status": "completed", "expected_completion_time": "2026-11-22T00:00:00Z"}
            """, to: "demo/inbox/recipients/zendesk-e1.json")
        try workspace.write("""
            {"subject_request_id": "\(noticeID("E-2"))", "request_status": "in_progress"}
            """, to: "demo/inbox/recipients/zendesk-e2.json")
        try workspace.write(#"{"subject_request_id": "3f1c2d4e-0000-4000-8000-000000000000", "request_status": "completed"}"#,
                            to: "demo/inbox/recipients/stranger.json")
        let later = try workspace.runNightly(configuration, at: "2026-11-22T02:00:00+01:00")
        #expect(later.recipients?.acknowledged == 1)
        #expect(later.recipients?.rejectedCallbacks == ["stranger.json"])
        #expect(later.exitStatus == .attentionNeeded)
        let error = try String(contentsOf: workspace.url("demo/inbox/recipients/rejected/stranger.json.error.txt"), encoding: .utf8)
        #expect(error.contains("subject_request_id") && error.contains("names no notice"))
        #expect(FileManager.default.fileExists(atPath: workspace.url("demo/inbox/recipients/processed/zendesk-e2.json").path))

        // Posten Bring's notice of E-2 is exempted with the officer's reason.
        let exempt = try ExternalTools.dsr(["recipients", "exempt", "E-2", "posten-bring", "--reason", "impossible: the parcel contract ended",
                                            "--config", configuration.path])
        #expect(exempt.status == 0, "\(exempt.stdout)\(exempt.stderr)")
        let ledger = try workspace.installation(configuration).ledger()
        #expect(try ledger.noticeStatuses(requestID: "E-1").map(\.state) == ["acknowledged", "acknowledged"])
        #expect(try ledger.noticeStatuses(requestID: "E-2").map(\.state) == ["exempted", "notified"])
        let status = try ExternalTools.dsr(["status", "E-2", "--config", configuration.path])
        #expect(status.stdout.contains("posten-bring: exempted") && status.stdout.contains("impossible: the parcel contract ended"))
        #expect(status.stdout.contains("zendesk: notified; sent 2026-11-21T01:00:00Z in zendesk/2026-11-21-1.json"))

        // After the configured 30 days only Zendesk's notice of E-2 is still waiting.
        let month = try workspace.runNightly(configuration, at: "2026-12-22T02:00:00+01:00")
        #expect(month.deadlines?.unacknowledged.map { "\($0.requestID) \($0.recipient)" } == ["E-2 zendesk"])
        #expect(month.deadlines?.text.contains("recipient notices not acknowledged: 1") == true)
        #expect(month.exitStatus == .attentionNeeded)
        let early = try workspace.runNightly(configuration, at: "2026-12-20T02:00:00+01:00")
        #expect(early.deadlines?.unacknowledged == [])
        // The status page counts the notice still waiting.
        let page = try String(contentsOf: workspace.url("demo/report/index.html"), encoding: .utf8)
        #expect(page.contains(#"<span class="number" id="recipient-notice-count">1</span>"#))
        // The ledger's retention takes the officer's reason with the request's other details.
        let years = Timestamp.parse("2031-01-01T00:00:00Z")!
        #expect(try ledger.purgeClosedRequests(closedBefore: years, now: years) == 2)
        let kept = try ledger.noticeStatuses(requestID: "E-2").first { $0.recipient == "posten-bring" }
        #expect(kept?.exemptionReason == "details deleted under the ledger's retention" && kept?.exemptedAt != nil)
    }

    /// Nights of 300 erasures killed at random moments, then a last run: each request is in
    /// exactly one batch of each recipient it reached, and every batch matches its manifest.
    @Test func killedNightsPutEachRequestInExactlyOneBatchPerRecipient() throws {
        let count = 300
        let customers = try workspace.storeRows(configuration, "SELECT customer_no FROM customers WHERE id BETWEEN 11 AND \(10 + count) ORDER BY id")
        for (offset, row) in customers.enumerated() { try drop("K-\(offset)", "erasure", subject: "customer_no: \(row[0])") }
        var generator = SplitMix(seed: 20261202)
        let killed = try ExternalTools.killedNights(configuration, runs: 10, generator: &generator, within: 20_000..<600_000)
        #expect(killed >= 5, "the runs ended before they could be killed (\(killed) of 10)")
        let final = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(final.status == 0, "\(final.stdout)\(final.stderr)")
        let ledger = try workspace.installation(configuration).ledger()
        #expect(try ledger.requests().allSatisfy { $0.state == .completed })

        var postenRequests: [String] = []
        for file in try batches("posten-bring", ext: "csv") {
            postenRequests += try csvRows(file).dropFirst().map { $0[0] }
            #expect(Manifest.verifiedBatch(file) == true, "\(file.lastPathComponent)")
        }
        #expect(postenRequests.sorted() == (0..<count).map { "K-\($0)" }.sorted())
        var zendeskRequests: [String] = []
        let zendeskFiles = try batches("zendesk", ext: "json")
        for file in zendeskFiles {
            zendeskRequests += (try json(file) as! [[String: Any]]).map { $0["subject_request_id"] as! String }
            #expect(Manifest.verifiedBatch(file) == true, "\(file.lastPathComponent)")
        }
        #expect(zendeskRequests.count == count && Set(zendeskRequests).count == count)
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("opendsr-request-batch.schema.json"), documents: zendeskFiles) == [])
        #expect(try ledger.noticeStatuses().count == 2 * count)
        #expect(try ledger.noticeStatuses().allSatisfy { $0.state == "notified" })
    }

    @Test func theDataMapRefusesRecipientsThatWouldLearnMoreThanTheyReceived() throws {
        let map = try String(contentsOf: workspace.url("demo/datamap.yaml"), encoding: .utf8)
        func problem(_ edited: String) -> String {
            do {
                _ = try DataMap.parse(try DocumentNode.parse(Data(edited.utf8), file: "datamap.yaml", isJSON: false))
                return "loaded"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem(map) == "loaded")
        #expect(problem(map.replacingOccurrences(of: "recipients: [zendesk]", with: "recipients: [zendesk, hubspot]"))
            .contains("field 'tables.support_tickets.recipients': 'hubspot' is not a recipient declared under recipients:"))
        #expect(problem(map.replacingOccurrences(of: "    identity: customer_no\n    format: csv", with: "    identity: email\n    format: csv"))
            .contains("field 'recipients.posten-bring.identity': the recipient did not receive 'customers.email'"))
        #expect(problem(map.replacingOccurrences(of: "    notify: [erasure]\n    identity: email\n    format: opendsr",
                                                 with: "    notify: [erasure, rectification]\n    identity: email\n    format: opendsr"))
            .contains("field 'recipients.zendesk.notify': OpenDSR 2.0 has no rectification request"))
        #expect(problem(map.replacingOccurrences(of: "notify: [rectification]", with: "notify: [objection]"))
            .contains("'objection' is not a change Art. 19 communicates"))
        #expect(problem(map.replacingOccurrences(of: "  posten-bring:\n", with: "  Posten Bring:\n")).contains("a recipient id is lower-case"))
    }
}

extension Manifest {
    /// Whether the manifest beside a batch file names it with its SHA-256 and size.
    static func verifiedBatch(_ file: URL) -> Bool {
        let manifestURL = file.deletingLastPathComponent()
            .appendingPathComponent(file.deletingPathExtension().lastPathComponent + ".manifest.json")
        guard let data = FileManager.default.contents(atPath: manifestURL.path),
              let manifest = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let entry = (manifest["files"] as? [[String: Any]])?.first,
              let contents = FileManager.default.contents(atPath: file.path) else { return false }
        return entry["name"] as? String == file.lastPathComponent && entry["bytes"] as? Int == contents.count
            && entry["sha256"] as? String == Data(SHA256.hash(data: contents)).hexString
    }
}
