import DSRCore
@testable import DSRKit
import Foundation
import GRDB
import Testing

/// The privacy officer's view: the status page, `dsr status` with counts and filters, who
/// did what in the audit trail, and the ledger's own retention.
@Suite struct OfficerViewTests {
    let workspace: TestWorkspace
    let configuration: URL
    let zone = TimeZone(identifier: "Europe/Oslo")!

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
    }

    var ledgerURL: URL { workspace.url("demo/ledger/ledger.sqlite") }
    var config: [String] { ["--config", configuration.path] }

    /// Adds a request straight to the ledger, as a run would have left it.
    static func addRequest(to ledgerURL: URL, _ id: String, _ type: RequestType, _ state: RequestState,
                           received: Date, due: CalendarDay) throws {
        try DatabaseQueue(path: ledgerURL.path).write { db in
            try db.execute(sql: """
                INSERT INTO request (id, type, state, received_at, due_date, base_due_date, content_fingerprint, source_file,
                                     created_at, updated_at, completed_at)
                VALUES (?, ?, ?, ?, ?, ?, 'x', 'file-0000000000000000', ?, ?, ?)
                """, arguments: [id, type.rawValue, state.rawValue, received, due.description, due.description, received, received,
                                 state.isFinal ? received : nil])
        }
    }

    /// Every identity value the demo's store holds: none may appear on the page.
    func storeIdentities() throws -> [String] {
        try workspace.storeRows(configuration, "SELECT email, phone, first_name || ' ' || last_name, customer_no FROM customers").flatMap { $0 }
    }

    /// A busy installation's status page: the demo's night, then 39 hourly runs on the days
    /// after (40 runs, the demo's requests overdue by the last), a request in every state,
    /// some due soon, and two breaches, written at `busyPageMoment`. Returns the page.
    static func busyStatusPage(_ workspace: TestWorkspace, _ configuration: URL, zone: TimeZone) throws -> URL {
        try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        let installation = try workspace.installation(configuration)
        for day in 1...39 {
            let now = Date(timeIntervalSince1970: Timestamp.parse("2026-11-22T04:00:00Z")!.timeIntervalSince1970 + Double(day) * 86_400)
            _ = try installation.jobRun(Job.builtIn["hourly"]!, clock: { now }).run()
        }
        let now = busyPageMoment
        let today = CalendarDay(now, in: zone)
        for (index, state) in RequestState.allCases.enumerated() {
            try addRequest(to: workspace.url("demo/ledger/ledger.sqlite"), "REQ-S-\(index)",
                           RequestType.allCases[index % RequestType.allCases.count], state,
                           received: now.addingTimeInterval(-Double(index) * 5 * 86_400), due: today.adding(days: index - 2))
        }
        let register = try installation.breachRegister()
        _ = try register.open(workspace.url("demo/breaches/BR-DEMO-001.yaml"), now: now)
        _ = try register.open(workspace.url("demo/breaches/BR-DEMO-002.yaml"), now: now)
        let page = workspace.url("status/index.html")
        try StatusPage(figures: StatusFigures(ledger: installation.ledger(), now: now, controller: installation.configuration.controller),
                       controller: installation.configuration.controller).write(to: page)
        return page
    }

    static let busyPageMoment = Timestamp.parse("2026-12-31T05:00:00Z")!

    @Test func theStatusPageCountsWhatTheLedgerHoldsAndNamesNoOne() throws {
        let page = try Self.busyStatusPage(workspace, configuration, zone: zone)
        let today = CalendarDay(Self.busyPageMoment, in: zone)
        let attributes = try FileManager.default.attributesOfItem(atPath: page.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let parsed = try ExternalTools.parseHTML(page)
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(parsed.resources.isEmpty && !parsed.elements.contains("script"), "self-contained, no scripts")
        #expect(parsed.lang == "nb" && parsed.elements.contains { $0.hasSuffix("svg") })

        // The counts table holds, per state, the ledger's count of each type and the total.
        let counts = try DatabaseQueue(path: ledgerURL.path).read { db in
            try Row.fetchAll(db, sql: "SELECT state, type, count(*) AS n FROM request GROUP BY state, type")
        }
        var expected: [String: [String: Int]] = [:]
        for row in counts { expected[row["state"], default: [:]][row["type"]] = row["n"] }
        let table = try #require(parsed.tables.first)
        let states = RequestState.allCases.filter { expected[$0.rawValue] != nil }
        #expect(states.count == RequestState.allCases.count, "requests in every state")
        for (state, cells) in zip(states, table.rows) {
            let row = RequestType.allCases.map { String(expected[state.rawValue]?[$0.rawValue] ?? 0) }
            #expect(cells == row + [String(expected[state.rawValue]!.values.reduce(0, +))], "\(state)")
        }
        let total = counts.reduce(0) { $0 + ($1["n"] as Int) }
        #expect(table.rows.last?.last == String(total))

        // Overdue and due-soon lists, two breach clocks, the nights and the months. A clock
        // paused for identification (here since the first night) moves its due day on.
        let overdue = try DatabaseQueue(path: ledgerURL.path).read { db in
            try String.fetchAll(db, sql: """
                SELECT id FROM request WHERE state NOT IN ('completed', 'rejected', 'cancelled') AND due_date < ? AND paused_at IS NULL
                ORDER BY due_date, id
                """, arguments: [today.description])
        }
        #expect(!overdue.isEmpty)
        let overdueTable = try #require(parsed.tables.first { $0.headers.first == "Forespørsel" && $0.rows.contains { overdue.contains($0[0]) } })
        #expect(overdueTable.rows.map { $0[0] } == overdue)
        let breachTable = try #require(parsed.tables.first { $0.rows.contains { $0[0] == "BR-DEMO-001" } })
        #expect(breachTable.rows.map { $0[0] } == ["BR-DEMO-001", "BR-DEMO-002"])
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("Utførte forespørsler per dag") && html.components(separatedBy: "<svg").count - 1 == 6)
        let months = try #require(parsed.tables.last)
        #expect(months.rows.count == 12)
        #expect(months.rows.map { Int($0.last!)! }.reduce(0, +) == total, "every request arrived in the last 12 months")

        // No one's identity: no value of the store, no address.
        for value in try storeIdentities() where value.count > 3 { #expect(!html.contains(value)) }
        #expect(!html.contains("@"))
    }

    @Test func statusFiltersReturnWhatTheLedgerHolds() throws {
        try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        // `dsr status` reads today from the machine's clock; the requests are dated from it.
        let now = Date()
        let today = CalendarDay(now, in: zone)
        for offset in -2...5 {
            try Self.addRequest(to: ledgerURL, "REQ-DUE-\(offset + 2)", offset.isMultiple(of: 2) ? .erasure : .access, offset == 1 ? .completed : .pending,
                           received: now.addingTimeInterval(-86_400), due: today.adding(days: offset))
        }
        for index in 0..<3 {
            try Self.addRequest(to: ledgerURL, "REQ-REVIEW-\(index)", index == 2 ? .access : .erasure, .needsReview, received: now, due: today.adding(days: 30))
        }
        func listed(_ arguments: [String]) throws -> (ids: [String], counts: [String: Any]) {
            let output = try ExternalTools.dsr(["status", "--json"] + arguments + config)
            #expect(output.status == 0, "\(output.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
            return ((document["requests"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String },
                    document["counts"] as? [String: Any] ?? [:])
        }
        func query(_ sql: String, _ arguments: StatementArguments = []) throws -> [String] {
            try DatabaseQueue(path: ledgerURL.path).read { try String.fetchAll($0, sql: sql + " ORDER BY received_at, id", arguments: arguments) }
        }
        let review = try listed(["--state", "needs-review", "--type", "erasure"])
        #expect(review.ids == (try query("SELECT id FROM request WHERE state = 'needs-review' AND type = 'erasure'")))
        #expect(review.ids.count >= 2 && review.counts["total"] as? Int == review.ids.count)
        let dueSoon = try listed(["--due-within", "3"])
        #expect(dueSoon.ids == (try query("""
            SELECT id FROM request WHERE state NOT IN ('completed', 'rejected', 'cancelled') AND due_date BETWEEN ? AND ?
            """, [today.description, today.adding(days: 3).description])))
        #expect(dueSoon.ids.count == 3, "today, +2 and +3; +1 is completed")
        let all = try listed([])
        #expect(all.counts["total"] as? Int == (try query("SELECT id FROM request")).count)
        #expect((all.counts["by_state"] as? [String: Int])?["needs-review"] == (try query("SELECT id FROM request WHERE state = 'needs-review'")).count)
        let limited = try listed(["--limit", "2"])
        #expect(limited.ids.count == 2 && limited.counts["total"] as? Int == all.ids.count)
        let recent = try listed(["--since", today.description])
        #expect(recent.ids == (try query("SELECT id FROM request WHERE received_at >= ?", [today.start(in: zone)])))

        // Text: the counts on top, times in Oslo's zone.
        let text = try ExternalTools.dsr(["status"] + config).stdout
        #expect(text.hasPrefix("\(all.ids.count) requests\n  by state: "))
        #expect(text.contains("2026-11-20T09:15:00+01:00"), "received times in the controller's zone")
        #expect(try ExternalTools.dsr(["status", "--state", "finished"] + config).status == 64)
    }

    @Test func theAuditTrailNamesWhoActed() throws {
        try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        var environment = ProcessInfo.processInfo.environment
        environment["DSR_ACTOR"] = nil
        func dsr(_ arguments: [String], sudoUser: String? = nil) throws {
            var env = environment
            env["SUDO_USER"] = sudoUser
            let output = try ExternalTools.run(ExternalTools.dsrBinary, arguments + config, environment: env)
            #expect(output.status == 0, "\(arguments.prefix(2)): \(output.stderr)")
        }
        try dsr(["verify", "REQ-DEMO-0003", "--method", "bankid", "--actor", "Kari Personvern"])
        // Extended before its due date, whatever today is.
        try Self.addRequest(to: ledgerURL, "REQ-EXT-1", .access, .pending, received: Date(), due: CalendarDay(Date(), in: zone).adding(days: 30))
        try dsr(["extend", "REQ-EXT-1", "--reason", "Mange forespørsler denne måneden."], sudoUser: "ola")
        try dsr(["review", "REQ-DEMO-0007", "--identity", "customer_no=C-000006", "--actor", "Åse Ødegård"])
        try dsr(["cancel", "REQ-DEMO-0005", "--reason", "Trukket tilbake."], sudoUser: "ola")
        try dsr(["legal-hold", "place", "--identity", "customer_no=C-000600", "--reason", "sak 2026-31", "--actor", "Kari Personvern"])
        try dsr(["legal-hold", "lift", "--identity", "customer_no=C-000600"], sudoUser: "ola")
        // A breach found an hour ago, so its notification is on time.
        let demoBreach = try String(contentsOf: workspace.url("demo/breaches/BR-DEMO-001.yaml"), encoding: .utf8)
        let breachFile = try workspace.write(demoBreach.replacingOccurrences(of: "2026-11-20T14:37:00+01:00",
                                                                             with: Timestamp.format(Date(timeIntervalSinceNow: -3600))),
                                             to: "breach.yaml")
        try dsr(["breach", "open", breachFile.path], sudoUser: "ola")
        try dsr(["breach", "report", "BR-DEMO-001", "--phase", "initial", "--format", "json", "--out", workspace.url("initial.json").path])
        try dsr(["breach", "submitted", "BR-DEMO-001", "--phase", "initial", "--at", Timestamp.format(Date()), "--actor", "Kari Personvern"])

        let shown = try ExternalTools.dsr(["audit", "show", "--json"] + config)
        let entries = try #require((try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["entries"] as? [[String: Any]])
        func actors(_ action: String, detail: String = "", request: String? = nil) -> Set<String> {
            Set(entries.filter {
                $0["action"] as? String == action && ($0["detail"] as? String)?.hasPrefix(detail) == true
                    && (request == nil || $0["request_id"] as? String == request)
            }.compactMap { $0["actor"] as? String })
        }
        #expect(actors("verified", request: "REQ-DEMO-0003") == ["Kari Personvern"])
        #expect(actors("extended", request: "REQ-EXT-1") == ["ola"])
        #expect(actors("identity added", request: "REQ-DEMO-0007") == ["Åse Ødegård"], "a name outside ASCII, whole")
        #expect(actors("state", detail: "cancelled", request: "REQ-DEMO-0005") == ["ola"])
        #expect(actors("legal-hold placed") == ["Kari Personvern"] && actors("legal-hold lifted") == ["ola"])
        #expect(actors("breach registered") == ["ola"])
        #expect(actors("breach submitted") == ["Kari Personvern"])
        let text = try ExternalTools.dsr(["audit", "show", "REQ-DEMO-0005"] + config).stdout
        #expect(text.contains("  ola  REQ-DEMO-0005  "))
        #expect(try ExternalTools.dsr(["audit", "verify"] + config).status == 0)
        #expect(try ExternalTools.dsr(["status", "--actor", "two\nlines"] + config).status == 64)

        // An actor edited in the file breaks the chain.
        try DatabaseQueue(path: ledgerURL.path).writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        var bytes = try Data(contentsOf: ledgerURL)
        let range = try #require(bytes.range(of: Data("Kari Personvern".utf8)))
        bytes[range.lowerBound] = UInt8(ascii: "M")
        try bytes.write(to: ledgerURL)
        let broken = try ExternalTools.dsr(["audit", "verify"] + config)
        #expect(broken.status == 65 && broken.stdout.contains("audit trail broken at entry"))
    }

    @Test func theLedgerForgetsClosedRequestsAfterItsRetentionAndKeepsTheirCounts() throws {
        let inbox = workspace.url("demo/inbox")
        let closedFiles = ["0001", "0002", "0004", "0006", "0008", "0009", "0010"].map { "REQ-DEMO-\($0)" }
        let emails = Set(try FileManager.default.contentsOfDirectory(atPath: inbox.path).filter { name in
            closedFiles.contains { name.hasPrefix($0) }
        }.flatMap { name -> [String] in
            let text = try String(contentsOf: inbox.appendingPathComponent(name), encoding: .utf8)
            return text.matches(of: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+/).map { String($0.output) }
        })
        #expect(emails.count >= 4)
        try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        let closed = try Ledger(url: ledgerURL).requests().filter(\.state.isFinal).map(\.id)
        let total = try Ledger(url: ledgerURL).requests().count
        #expect(Set(closed) == Set(closedFiles), "the demo night closes these")

        let summary = try workspace.runNightly(configuration, at: "2030-11-23T03:00:00Z")
        #expect(summary.detailsDeleted == closed.count)
        let ledger = try Ledger(url: ledgerURL)
        for record in try ledger.requests() where closed.contains(record.id) {
            #expect(record.purgedAt != nil && record.subjectReference == nil && record.stateReason == nil && record.payload == nil
                    && record.sourceFile.isEmpty && record.contentFingerprint.isEmpty)
        }
        #expect(try ledger.requests().count == total, "id, type, dates and outcome stay")
        // No identity of theirs is left in the ledger's bytes.
        let bytes = try [ledgerURL, URL(fileURLWithPath: ledgerURL.path + "-wal")].compactMap { try? Data(contentsOf: $0) }
        for email in emails {
            for data in bytes { #expect(data.range(of: Data(email.utf8)) == nil, "an identity in the ledger file") }
        }
        #expect(try ledger.verifyAudit().firstBrokenEntry == nil)
        #expect(try ExternalTools.dsr(["audit", "verify"] + config).status == 0)
        let shown = try ExternalTools.dsr(["status", closed[0]] + config).stdout
        #expect(shown.contains("details deleted under the ledger's retention"))
        // The status page still counts them.
        let figures = try StatusFigures(ledger: ledger, now: Timestamp.parse("2030-11-23T04:00:00Z")!,
                                        controller: try workspace.installation(configuration).configuration.controller)
        #expect(figures.counts.total == total && figures.detailsDeleted == closed.count)
        let page = try String(contentsOf: workspace.url("demo/report/index.html"), encoding: .utf8)
        #expect(page.contains("<td class=\"number\" id=\"total-count\">\(total)</td>"))
    }
}

/// The status page as a browser shows it: headless Chromium (left out of the test run
/// under libfaketime, as the printed letter is). The screenshot is kept in
/// `.build/test-artifacts/` for a person to look at.
@Suite struct StatusPageChromiumTests {
    let workspace: TestWorkspace
    let configuration: URL

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
    }

    @Test func theStatusPageRendersAndFitsAPhone() throws {
        let page = try OfficerViewTests.busyStatusPage(workspace, configuration, zone: TimeZone(identifier: "Europe/Oslo")!)
        // Chromium renders it: a screenshot kept for people to look at, and at a phone's
        // width nothing runs off the side.
        let artifacts = ExternalTools.packageRoot.appendingPathComponent(".build/test-artifacts", isDirectory: true)
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts.appendingPathComponent("status-page.png")
        try? FileManager.default.removeItem(at: screenshot)
        let chromium = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--user-data-dir=\(workspace.url("chromium-profile").path)"]
        let shot = try ExternalTools.run(URL(fileURLWithPath: "/usr/bin/env"),
                                         chromium + ["--window-size=1280,900", "--screenshot=\(screenshot.path)", page.absoluteString])
        #expect(shot.status == 0, "\(shot.stderr)")
        let size = try FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int ?? 0
        #expect(size > 30_000, "the screenshot shows the page, not a blank one")
        // A phone: the page in a 390 px frame (headless Chromium's window is never narrower
        // than 500 px), measured by the frame's parent; the page itself has no script.
        let frame = workspace.url("status/phone.html")
        try Data("""
            <!DOCTYPE html><html><body style="margin:0"><iframe id="page" src="index.html" style="width:390px;height:844px;border:0"></iframe>
            <script>document.getElementById("page").addEventListener("load", function () {
              var page = this.contentWindow;
              document.body.setAttribute("data-overflow", (page.document.documentElement.scrollWidth - page.innerWidth) + " at " + page.innerWidth);
            });</script></body></html>
            """.utf8).write(to: frame)
        let phone = try ExternalTools.run(URL(fileURLWithPath: "/usr/bin/env"),
                                          chromium + ["--allow-file-access-from-files", "--window-size=800,900", "--virtual-time-budget=5000",
                                                      "--dump-dom", frame.absoluteString])
        #expect(phone.status == 0, "\(phone.stderr)")
        #expect(phone.stdout.contains("data-overflow=\"0 at 390\""),
                "\(phone.stdout.components(separatedBy: "data-overflow").dropFirst().first?.prefix(16) ?? "no measurement")")
    }
}
