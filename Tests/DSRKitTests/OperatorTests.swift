import ArgumentParser
import DSRCore
@testable import DSRKit
import Foundation
import GRDB
import Testing
@testable import dsr

/// dsr as an operator runs it: one JSON contract on every command, a quiet cron run,
/// metrics a monitoring system scrapes, and systemd units that pass systemd's own checks.
@Suite struct OperatorTests {
    let workspace: TestWorkspace
    let configuration: URL

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
    }

    var config: [String] { ["--config", configuration.path] }

    /// The command paths of every command that runs (the leaves of the tree).
    static func leafCommands(_ command: ParsableCommand.Type = DSRCommand.self, path: [String] = []) -> [[String]] {
        let subcommands = command.configuration.subcommands
        guard !subcommands.isEmpty else { return [path] }
        return subcommands.flatMap { sub in
            leafCommands(sub, path: path + [sub.configuration.commandName ?? sub._commandName])
        }
    }

    /// Runs the built dsr; a non-zero exit other than 1 is recorded with its message.
    @discardableResult
    func dsr(_ arguments: [String], stdin: URL? = nil) throws -> ExternalTools.Output {
        let output: ExternalTools.Output
        if let stdin {
            output = try ExternalTools.run(URL(fileURLWithPath: "/bin/sh"),
                                           ["-c", "exec \"$0\" \"$@\" < \"\(stdin.path)\"", ExternalTools.dsrBinary.path] + arguments)
        } else {
            output = try ExternalTools.dsr(arguments)
        }
        #expect([0, 1].contains(output.status), "\(arguments.prefix(3)): \(output.status) \(output.stderr)")
        return output
    }

    /// Stands for Posten Bring's batch file until the nightly run has written it.
    static let postenBatch = "<posten-bring batch>"

    @Test func everyCommandPrintsJSONWithASchemaVersion() throws {
        let breachFile = try workspace.write(try String(contentsOf: workspace.url("demo/breaches/BR-DEMO-001.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "2026-11-20T14:37:00+01:00", with: Timestamp.format(Date(timeIntervalSinceNow: -3600))),
                                             to: "breach.yaml")
        let update = try workspace.write("measures_taken: The partner deleted the file and its backups.\n", to: "update.yaml")
        let request = try workspace.write("""
            id: REQ-OP-1
            type: access
            received_at: \(Timestamp.format(Date()))
            subject: {email: kari.nordmann1@example.no}
            verification: {method: bankid, verified_at: \(Timestamp.format(Date()))}
            """, to: "request.yaml")
        let consents = try workspace.write("[]\n", to: "consents.json")
        let demoFolder = workspace.url("second-demo").path
        // One invocation per command, in an order that leaves each something to act on.
        let invocations: [[String]] = [
            ["demo", "--dir", demoFolder, "--customers", "1200", "--json"],
            ["run", "nightly"], ["run", "nightly", "--dry-run"], ["validate", request.path], ["submit", request.path],
            ["status"], ["status", "REQ-DEMO-0001"], ["deadlines"], ["report", "--html", workspace.url("page.html").path],
            ["verify", "REQ-DEMO-0003", "--method", "bankid"], ["extend", "REQ-OP-1", "--reason", "Many requests."],
            ["review", "REQ-DEMO-0007", "--identity", "customer_no=C-000006"], ["cancel", "REQ-DEMO-0005", "--reason", "Withdrawn."],
            ["pause", "REQ-OP-1"], ["resume", "REQ-OP-1"],
            ["datamap", "check"], ["datamap", "scaffold"], ["erasure", "reapply"],
            ["legal-hold", "place", "--identity", "customer_no=C-000600", "--reason", "case 31"], ["legal-hold", "list"],
            ["legal-hold", "lift", "--identity", "customer_no=C-000600"],
            ["recipients", "list"], ["recipients", "exempt", "REQ-DEMO-0010", "posten-bring", "--reason", "impossible: contract ended"],
            ["restriction", "lift", "REQ-DEMO-0010", "--reason", "The data was corrected."],
            ["recipients", "ack", "posten-bring", Self.postenBatch],
            ["key", "rotate", "--new", workspace.url("demo/secrets/hmac-2027.key").path],
            ["audit", "verify"], ["audit", "show", "REQ-DEMO-0001"],
            ["breach", "open", breachFile.path], ["breach", "update", "BR-DEMO-001", update.path], ["breach", "list"],
            ["breach", "show", "BR-DEMO-001"], ["breach", "assess", "BR-DEMO-001", "--risk", "high"],
            ["breach", "report", "BR-DEMO-001", "--phase", "initial", "--format", "json", "--out", workspace.url("initial.json").path],
            ["breach", "submitted", "BR-DEMO-001", "--phase", "initial", "--at", Timestamp.format(Date())],
            ["breach", "notify", "BR-DEMO-001"],
            ["consent", "import", consents.path], ["consent", "eligible", "--channel", "email", "--purpose", "newsletter"],
            ["templates", "export", workspace.url("templates").path], ["templates", "check"],
        ]
        // A command added to the tree must be added here, with --json.
        let covered = Set(invocations.map { invocation in
            Self.leafCommands().first { invocation.starts(with: $0) } ?? invocation
        })
        #expect(Set(Self.leafCommands()).subtracting(covered).isEmpty, "commands without a --json check: \(Set(Self.leafCommands()).subtracting(covered))")
        for var invocation in invocations {
            // The batch the nightly run wrote, named by its night.
            if let index = invocation.firstIndex(of: Self.postenBatch) {
                invocation[index] = try FileManager.default.contentsOfDirectory(atPath: workspace.url("demo/outbox/recipients/posten-bring").path)
                    .first { $0.hasSuffix(".csv") } ?? Self.postenBatch
            }
            // demo builds its own installation; templates export needs none.
            let needsNoConfiguration = invocation[0] == "demo" || invocation.starts(with: ["templates", "export"])
            let output = try dsr(invocation + ["--json"] + (needsNoConfiguration ? [] : config))
            let document = try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
            #expect(document?["schema_version"] as? Int == 1, "\(invocation.prefix(3)): \(output.stdout.prefix(200))")
        }
        // Each command's help names --json.
        for path in Self.leafCommands() {
            let help = DSRCommand.helpMessage(for: try #require(Self.command(at: path)))
            #expect(help.contains("--json"), "\(path)")
        }
    }

    static func command(at path: [String]) -> ParsableCommand.Type? {
        var command: ParsableCommand.Type = DSRCommand.self
        for name in path {
            guard let next = command.configuration.subcommands.first(where: { ($0.configuration.commandName ?? $0._commandName) == name })
            else { return nil }
            command = next
        }
        return command
    }

    @Test func standardStreamsStandInForFiles() throws {
        let request = try workspace.write("""
            {"id": "REQ-STDIN-1", "type": "access", "received_at": "2026-11-30T10:00:00+01:00",
             "subject": {"email": "kari.nordmann1@example.no"}}
            """, to: "request.json")
        let validated = try dsr(["validate", "-", "--stdin-format", "json"] + config, stdin: request)
        #expect(validated.stdout.contains("-: ok (access request REQ-STDIN-1)"))
        let submitted = try dsr(["submit", "-", "--stdin-format", "json", "--json"] + config, stdin: request)
        #expect(submitted.stdout.contains("\"id\" : \"REQ-STDIN-1\""))
        #expect(try Ledger(url: workspace.url("demo/ledger/ledger.sqlite")).requests(id: "REQ-STDIN-1").count == 1)
        let scaffold = try dsr(["datamap", "scaffold", "--out", "-"] + config)
        #expect(scaffold.stdout.contains("subject:") && !FileManager.default.fileExists(atPath: workspace.url("demo/-").path))
        #expect(!FileManager.default.fileExists(atPath: "-"))
        let eligible = try dsr(["consent", "eligible", "--channel", "email", "--purpose", "newsletter", "--out", "-", "--format", "csv"] + config)
        #expect(eligible.stdout.hasPrefix("\"customer_key\",\"contact\","))
        // A purpose no consent names is a typo until proven otherwise.
        let typo = try ExternalTools.dsr(["consent", "eligible", "--channel", "email", "--purpose", "newsleter"] + config)
        #expect(typo.status == 64 && typo.stderr.contains("known: ") && typo.stderr.contains("newsletter"))
        // --dry-run checks the job it is given.
        #expect(try ExternalTools.dsr(["run", "nigthly", "--dry-run"] + config).status == 64)
        // The id a hold is placed under is the id `list` shows.
        let placed = try dsr(["legal-hold", "place", "--identity", "customer_no=C-000600", "--reason", "case 31", "--json"] + config)
        let listed = try dsr(["legal-hold", "list", "--json"] + config)
        let placedID = ((try JSONSerialization.jsonObject(with: Data(placed.stdout.utf8)) as? [String: Any])?["legal_hold"] as? [String: Any])?["id"] as? Int
        let listedIDs = ((try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])?["legal_holds"] as? [[String: Any]])?
            .compactMap { $0["id"] as? Int }
        #expect(placedID != nil && listedIDs == [placedID!])
    }

    @Test func aQuietRunSpeaksOnlyWhenSomeoneMustAct() throws {
        try dsr(["run", "nightly", "--quiet"] + config)
        for id in ["REQ-DEMO-0003", "REQ-DEMO-0005", "REQ-DEMO-0007"] { try dsr(["cancel", id, "--reason", "Settled."] + config) }
        let settled = try ExternalTools.dsr(["run", "hourly", "--quiet"] + config)
        #expect(settled.status == 0 && settled.stdout.isEmpty, "\(settled.stdout)")
        let now = Date()
        try OfficerViewTests.addRequest(to: workspace.url("demo/ledger/ledger.sqlite"), "REQ-LATE-1", .access, .pending,
                                        received: now.addingTimeInterval(-40 * 86_400),
                                        due: CalendarDay(now, in: TimeZone(identifier: "Europe/Oslo")!).adding(days: -1))
        let late = try ExternalTools.dsr(["run", "hourly", "--quiet"] + config)
        #expect(late.status == 1 && late.stdout.contains("REQ-LATE-1"))
    }

    @Test func theMetricsFileSaysWhatTheLedgerHolds() throws {
        let text = try String(contentsOf: configuration, encoding: .utf8) + "metrics_file: metrics/dsr.prom\n"
        try Data(text.utf8).write(to: configuration)
        try dsr(["run", "nightly"] + config)
        let metrics = workspace.url("demo/metrics/dsr.prom")
        #expect((try FileManager.default.attributesOfItem(atPath: metrics.path)[.posixPermissions] as? Int) == 0o644)
        // prometheus_client's own parser reads it.
        let parsed = try ExternalTools.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            samples = []
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for sample in family.samples:
                    samples.append({"name": sample.name, "labels": sample.labels, "value": sample.value})
            print(json.dumps(samples))
            """, metrics.path])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let samples = try #require(try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [[String: Any]])
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            samples.first { $0["name"] as? String == name && ($0["labels"] as? [String: String] ?? [:]) == labels }?["value"] as? Double
        }
        let open = try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).read { db in
            try Row.fetchAll(db, sql: """
                SELECT state, type, count(*) AS n FROM request WHERE state NOT IN ('completed', 'rejected', 'cancelled') GROUP BY state, type
                """)
        }
        #expect(!open.isEmpty)
        for row in open {
            #expect(value("dsr_requests_open", ["state": row["state"], "type": row["type"]]) == Double(row["n"] as Int))
        }
        let openSamples = samples.filter { $0["name"] as? String == "dsr_requests_open" }.compactMap { $0["value"] as? Double }
        #expect(openSamples.reduce(0, +) == Double(open.reduce(0) { $0 + ($1["n"] as Int) }))
        let today = CalendarDay(Date(), in: TimeZone(identifier: "Europe/Oslo")!).description
        let overdue = try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM request WHERE state NOT IN ('completed', 'rejected', 'cancelled') AND due_date < ?
                """, arguments: [today])!
        }
        #expect(value("dsr_requests_overdue") == Double(overdue))
        #expect(value("dsr_last_run_exit_code") == 1, "the demo's night needs the officer")
        #expect(value("dsr_last_run_duration_seconds") != nil && value("dsr_last_run_timestamp_seconds") != nil)
        #expect(value("dsr_last_run_requests_done", ["type": "access"]) == 2)
        #expect(value("dsr_last_run_files_rejected") == 3)
        #expect((value("dsr_oldest_open_request_age_seconds") ?? 0) > 0)
    }

    @Test func thePostgreSQLPasswordComesFromASystemdCredential() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo(on: .postgres)
        let text = try String(contentsOf: configuration, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "password_env: \(TestPostgres.passwordVariable)", with: "password_credential: store-password").utf8)
            .write(to: configuration)
        // What LoadCredential= gives a service: a folder holding the file, named in the environment.
        let credentials = workspace.url("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        let password = try #require(ProcessInfo.processInfo.environment[TestPostgres.passwordVariable])
        try Data(password.utf8).write(to: credentials.appendingPathComponent("store-password"))
        var environment = ProcessInfo.processInfo.environment
        environment[TestPostgres.passwordVariable] = nil
        environment["CREDENTIALS_DIRECTORY"] = credentials.path
        let checked = try ExternalTools.run(ExternalTools.dsrBinary, ["datamap", "check", "--config", configuration.path], environment: environment)
        #expect(checked.status == 0, "\(checked.stderr)")
        environment["CREDENTIALS_DIRECTORY"] = nil
        let without = try ExternalTools.run(ExternalTools.dsrBinary, ["datamap", "check", "--config", configuration.path], environment: environment)
        #expect(without.status == 78 && without.stderr.contains("LoadCredential=store-password") && !without.stderr.contains(password))
    }

    @Test func theSystemdUnitsPassSystemdsChecks() throws {
        let script = ExternalTools.packageRoot.appendingPathComponent("jobs/check-units")
        let checked = try ExternalTools.run(script, [ExternalTools.dsrBinary.path])
        #expect(checked.status == 0, "\(checked.stdout.suffix(400)) \(checked.stderr)")
        let exposure = checked.stdout.components(separatedBy: "Overall exposure level for dsr@nightly.service: ").last?
            .split(separator: " ").first.flatMap { Double($0) }
        #expect((exposure ?? 10) <= 4.0, "\(exposure ?? -1)")
    }
}
