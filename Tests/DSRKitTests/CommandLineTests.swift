import ArgumentParser
import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing
@testable import dsr

/// The command line: parsed in-process, plus end-to-end runs of the built binary for exit
/// codes, messages and what reaches the log.
@Suite struct CommandLineTests {
    let workspace: TestWorkspace

    init() throws {
        workspace = try TestWorkspace()
    }

    @Test func parsesRunWithSharedOptions() throws {
        let command = try DSRCommand.parseAsRoot(["run", "nightly", "--config", "/x/dsr.yaml", "--json", "--log-level", "debug"])
        let run = try #require(command as? Run)
        #expect(run.job == "nightly" && run.output.json)
        #expect(run.options.config == "/x/dsr.yaml" && run.options.logging.logLevel == .debug)
    }

    @Test func reviewNeedsOneDecision() {
        do {
            _ = try DSRCommand.parseAsRoot(["review", "REQ-1", "--retry", "--reject", "no"])
            Issue.record("accepted two decisions")
        } catch {
            #expect(DSRCommand.exitCode(for: error).rawValue == 64)
            #expect(DSRCommand.message(for: error).contains("one of --identity name=value, --retry or --reject"))
        }
    }

    @Test func demoTooSmallIsAUsageError() {
        #expect(throws: (any Error).self) { try DSRCommand.parseAsRoot(["demo", "--customers", "599"]) }
    }

    @Test func demoRunsEndToEndAndLogsNoPersonalData() throws {
        let folder = workspace.url("demo")
        let output = try ExternalTools.dsr(["demo", "--dir", folder.path, "--customers", "600", "--log-level", "trace"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("done: 2 access, 1 erasure, 1 export, 1 objection, 1 rectification, 1 restriction (1 with no personal data held)"))
        #expect(output.stderr.contains("request file rejected"))  // trace logging really was on
        try expectValidAnswers(in: folder.appendingPathComponent("outbox"))

        // Every name, email, phone and customer number of the people the samples are about,
        // as stored and as the request files spell them.
        var secrets = try DatabaseQueue(path: folder.appendingPathComponent("store.sqlite").path).read { db in
            try Row.fetchAll(db, sql: "SELECT email, phone, customer_no, first_name, last_name, street FROM customers WHERE id <= 7")
                .flatMap { row in (0..<6).compactMap { row[$0] as String? } }
        }
        // Customer 530 was erased by the run; these were their values.
        secrets += ["astrid.andersson530@example.se", "Astrid.andersson530@example.se", "+46700000530", "C-000530", "Drottninggatan 81"]
        secrets += ["Kari.Nordmann1@Example.NO", "+46 70 000 00 02", "somebody.else@example.org", "C-000004", "12345678"]
        let printed = output.stdout + output.stderr
        for secret in Set(secrets) {
            // Whole words only ("Per" must not match "permissions"); \b would miss "+47…".
            let word = "(?<![\\w+])\(NSRegularExpression.escapedPattern(for: secret))(?!\\w)"
            #expect(printed.range(of: word, options: .regularExpression) == nil,
                    "the output shows personal data")
        }
        let audit = try String(contentsOf: folder.appendingPathComponent("inbox/rejected/bad-unknown-identity.yaml.error.txt"), encoding: .utf8)
        #expect(!audit.contains("12345678"))
    }

    /// Every answer folder the demo wrote: XML valid against its XSD, JSON against its
    /// JSON Schema, manifest intact.
    func expectValidAnswers(in outbox: URL) throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { !$0.hasPrefix(".") && $0 != "notices" && $0 != "recipients" }
        #expect(folders.sorted() == ["REQ-DEMO-0001", "REQ-DEMO-0002", "REQ-DEMO-0004", "REQ-DEMO-0006",
                                     "REQ-DEMO-0008", "REQ-DEMO-0009", "REQ-DEMO-0010"])
        for folder in folders.map({ outbox.appendingPathComponent($0) }) {
            let manifest = try #require(Manifest.verified(in: folder))
            for entry in manifest.files {
                let file = folder.appendingPathComponent(entry.name)
                let stem = file.deletingPathExtension().lastPathComponent
                if file.pathExtension == "xml" {
                    #expect(try XMLSchemaValidator(schemaURL: ExternalTools.schema("\(stem).xsd")).errors(validating: file) == [])
                } else if file.pathExtension == "html" {
                    let page = try ExternalTools.parseHTML(file)
                    #expect(page.errors == [] && ["nb", "sv", "en"].contains(page.lang) && !page.title.isEmpty && page.resources == [],
                            "\(file.path)")
                } else if file.pathExtension == "txt" {
                    #expect(try String(contentsOf: file, encoding: .utf8).contains(folder.lastPathComponent))
                } else {
                    #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("\(stem).schema.json"), documents: [file]) == [])
                }
            }
        }
    }

    @Test func exitCodesFollowTheContract() throws {
        let configuration = try workspace.demo()
        let inbox = workspace.url("demo/inbox")
        let inboxBefore = try workspace.contents(of: inbox)

        let missing = try ExternalTools.dsr(["run", "nightly", "--config", workspace.url("nope.yaml").path])
        #expect(missing.status == 78 && missing.stderr.contains("nope.yaml: configuration file not found"))

        let original = try String(contentsOf: configuration, encoding: .utf8)
        let stores = try #require(original.range(of: #"stores:.*\n(  .*\n)+"#, options: .regularExpression))
        try workspace.write(original.replacingCharacters(in: stores, with: ""), to: "demo/dsr.yaml")
        let noStore = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(noStore.status == 78 && noStore.stderr.contains("field 'store': is required"))
        try workspace.write(original, to: "demo/dsr.yaml")

        let map = try String(contentsOf: workspace.url("demo/datamap.yaml"), encoding: .utf8)
        try workspace.write(map.replacingOccurrences(of: "      gift_message:", with: "      gift_text:"), to: "demo/datamap.yaml")
        let storeBefore = try Data(contentsOf: workspace.url("demo/store.sqlite"))
        let brokenMap = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(brokenMap.status == 78)
        #expect(brokenMap.stderr.contains("error: tables.order_lines.columns.gift_text: column does not exist in table 'order_lines'"))
        let check = try ExternalTools.dsr(["datamap", "check", "--config", configuration.path, "--json"])
        #expect(check.status == 78)
        let findings = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as! [String: Any]
        #expect(findings["passed"] as? Bool == false)
        #expect(try Data(contentsOf: workspace.url("demo/store.sqlite")) == storeBefore)
        #expect(try workspace.contents(of: inbox) == inboxBefore, "a run stopped by configuration touched the inbox")
        try workspace.write(map, to: "demo/datamap.yaml")

        let weekly = try ExternalTools.dsr(["run", "weekly", "--config", configuration.path])
        #expect(weekly.status == 64 && weekly.stderr.contains("unknown job 'weekly'"))

        let validate = try ExternalTools.dsr(["validate", "--config", configuration.path,
                                              inbox.appendingPathComponent("REQ-DEMO-0001-access.json").path,
                                              inbox.appendingPathComponent("bad-unknown-type.json").path])
        #expect(validate.status == 65)
        #expect(validate.stdout.contains("REQ-DEMO-0001-access.json: ok (access request REQ-DEMO-0001)"))
        #expect(validate.stderr.contains("bad-unknown-type.json:3: field 'type': unknown request type"))
        let validateMissing = try ExternalTools.dsr(["validate", "--config", configuration.path, workspace.url("gone.json").path])
        #expect(validateMissing.status == 66)
        #expect(try workspace.contents(of: inbox) == inboxBefore, "validate moved or changed a file")

        let run = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path, "--json"])
        #expect(run.status == 1)
        let summary = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        #expect((summary["needs_review"] as! [Any]).count == 2)

        let status = try ExternalTools.dsr(["status", "REQ-DEMO-0001", "--json", "--config", configuration.path])
        #expect(status.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let requests = try #require(document["requests"] as? [[String: Any]])
        #expect(requests.map { $0["state"] as? String } == ["completed"] && document["schema_version"] as? Int == 1)
        let unknown = try ExternalTools.dsr(["status", "REQ-NOPE", "--config", configuration.path])
        #expect(unknown.status == 65)
    }

    @Test func secondRunWhileOneHoldsTheLockExits75() throws {
        let configuration = try workspace.demo()
        let lock = try RunLock(ledgerURL: workspace.url("demo/ledger/ledger.sqlite"))
        let output = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(output.status == 75 && output.stderr.contains("another dsr run holds the lock"))
        withExtendedLifetime(lock) {}
        #expect(FileManager.default.fileExists(atPath: workspace.url("demo/inbox/REQ-DEMO-0001-access.json").path))
    }

    @Test func parsesBreachReport() throws {
        let command = try DSRCommand.parseAsRoot(["breach", "report", "BR-1", "--phase", "follow-up", "--format", "xml"])
        let report = try #require(command as? BreachCommand.Report)
        #expect(report.breach.id == "BR-1" && report.phase == .followUp && report.format == .xml && report.out == nil)
        #expect(throws: (any Error).self) { try DSRCommand.parseAsRoot(["breach", "report", "BR-1", "--phase", "later", "--format", "xml"]) }
    }

    @Test func breachCommandsEndToEnd() throws {
        let configuration = try workspace.demo()
        let config = ["--config", configuration.path]
        // Aware an hour ago, so the clock runs whatever day the tests run on.
        let aware = Timestamp.format(Date().addingTimeInterval(-3600))
        let sample = try String(contentsOf: workspace.url("demo/breaches/BR-DEMO-001.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "2026-11-20T14:37:00+01:00", with: aware)
            .replacingOccurrences(of: "2026-11-20T09:12:00+01:00", with: aware)
        let file = try workspace.write(sample, to: "demo/breaches/now.yaml")

        let opened = try ExternalTools.dsr(["breach", "open", file.path, "--json"] + config)
        #expect(opened.status == 0, "\(opened.stderr)")
        let record = try JSONSerialization.jsonObject(with: Data(opened.stdout.utf8)) as! [String: Any]
        #expect(((record["measurement"] as? [String: Any])?["people"] as? Int ?? 0) > 0)
        let again = try ExternalTools.dsr(["breach", "open", file.path] + config)
        #expect(again.status == 65 && again.stderr.contains("already registered"))
        let missing = try ExternalTools.dsr(["breach", "open", workspace.url("gone.yaml").path] + config)
        #expect(missing.status == 66)

        let deadlines = try ExternalTools.dsr(["deadlines", "--json"] + config)
        #expect(deadlines.status == 0)
        let clocks = (try JSONSerialization.jsonObject(with: Data(deadlines.stdout.utf8)) as! [String: Any])["breaches"] as! [[String: Any]]
        #expect(clocks.map { $0["id"] as? String } == ["BR-DEMO-001"])
        #expect((clocks[0]["minutes_remaining"] as? Int).map { (70 * 60...71 * 60).contains($0) } == true)

        let report = try ExternalTools.dsr(["breach", "report", "BR-DEMO-001", "--phase", "initial", "--format", "xml"] + config)
        #expect(report.status == 0)
        let written = URL(fileURLWithPath: report.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try XMLSchemaValidator(schemaURL: ExternalTools.schema("breach-notification.xsd")).errors(validating: written) == [])
        // A written notification is a draft: the clock runs on, and no follow-up comes before
        // the authority has the initial one.
        let drafted = try ExternalTools.dsr(["deadlines", "--json"] + config)
        let draftClocks = (try JSONSerialization.jsonObject(with: Data(drafted.stdout.utf8)) as! [String: Any])["breaches"] as! [[String: Any]]
        #expect(draftClocks.map { $0["status"] as? String } == ["draft"])
        let early = try ExternalTools.dsr(["breach", "report", "BR-DEMO-001", "--phase", "follow-up", "--format", "json", "--out",
                                           workspace.url("follow-up.json").path] + config)
        #expect(early.status == 65 && early.stderr.contains("record the initial notification's submission"))
        let received = try ExternalTools.dsr(["breach", "submitted", "BR-DEMO-001", "--phase", "initial", "--at", Timestamp.format(Date()),
                                              "--channel", "Datatilsynet's web form", "--reference", "DT-26/01234", "--json"] + config)
        #expect(received.status == 0, "\(received.stderr)")
        let shown = try JSONSerialization.jsonObject(with: Data(received.stdout.utf8)) as! [String: Any]
        #expect(shown["status"] as? String == "submitted" && shown["authority_reference"] as? String == "DT-26/01234")
        #expect((shown["phases"] as? [[String: Any]])?.first?["submitted"] != nil)
        #expect(shown["due_at"] is String && shown["minutes_remaining"] is Int)
        let twice = try ExternalTools.dsr(["breach", "submitted", "BR-DEMO-001", "--phase", "initial", "--at", Timestamp.format(Date())] + config)
        #expect(twice.status == 65)
        let rewrite = try ExternalTools.dsr(["breach", "report", "BR-DEMO-001", "--phase", "initial", "--format", "json"] + config)
        #expect(rewrite.status == 65 && rewrite.stderr.contains("not written again"))
        let followUp = try ExternalTools.dsr(["breach", "report", "BR-DEMO-001", "--phase", "follow-up", "--format", "json", "--out",
                                              workspace.url("follow-up.json").path] + config)
        #expect(followUp.status == 0)
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.url("follow-up.json"))) as! [String: Any]
        #expect((document["timeline"] as? [String: Any])?["authority_case_reference"] as? String == "DT-26/01234")
        let overriding = try ExternalTools.dsr(["breach", "assess", "BR-DEMO-001", "--risk", "unlikely"] + config)
        #expect(overriding.status == 64 && overriding.stderr.contains("needs --reason"))
        let list = try ExternalTools.dsr(["breach", "list"] + config)
        #expect(list.status == 0 && list.stdout.contains("BR-DEMO-001") && list.stdout.contains("notified: received"))
        let after = try ExternalTools.dsr(["deadlines", "--json"] + config)
        #expect(((try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as! [String: Any])["breaches"] as! [[String: Any]]).isEmpty)
    }
}
