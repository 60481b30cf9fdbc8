import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// The breach register: the 72-hour clock, scope numbers, notifications and letters.
@Suite struct BreachClockTests {
    let oslo = TimeZone(identifier: "Europe/Oslo")!

    func due(_ aware: String) throws -> String {
        let instant = try Timestamp.parse(aware, localIn: oslo).get()
        return Timestamp.format(instant.addingTimeInterval(72 * 3600), in: oslo)
    }

    @Test func dueIsSeventyTwoHoursAsAnInstantAcrossSummerTime() throws {
        #expect(try due("2025-03-28T10:00+01:00") == "2025-03-31T11:00:00+02:00")
        #expect(try due("2025-10-24T10:00+02:00") == "2025-10-27T09:00:00+01:00")
    }

    @Test func fridayAfternoonIsDueMondayAfternoonWhateverTheHolidays() throws {
        #expect(try due("2026-11-20T15:30+01:00") == "2026-11-23T15:30:00+01:00")
        // Easter: Good Friday 2025-04-18 to Easter Monday; the clock does not stop.
        #expect(try due("2025-04-17T12:00+02:00") == "2025-04-20T12:00:00+02:00")
    }

    @Test func localTimesAreReadInTheZoneUnlessAmbiguousOrMissing() throws {
        #expect(Timestamp.format(try Timestamp.parse("2025-11-03 09:15", localIn: oslo).get()) == "2025-11-03T08:15:00Z")
        guard case .failure(let ambiguous) = Timestamp.parse("2025-10-26 02:30", localIn: oslo) else {
            Issue.record("an ambiguous local time was accepted")
            return
        }
        #expect(ambiguous.reason.contains("ambiguous"))
        guard case .failure(let missing) = Timestamp.parse("2025-03-30 02:30", localIn: oslo) else {
            Issue.record("a local time that does not exist was accepted")
            return
        }
        #expect(missing.reason.contains("does not exist"))
        #expect(throws: Never.self) { try Timestamp.parse("2025-10-26T02:30:00+02:00", localIn: oslo).get() }
    }
}

@Suite struct BreachRegisterTests {
    let workspace: TestWorkspace
    let configuration: URL
    let store: URL
    /// The demo's breach samples are dated 20–21 November 2026.
    let now = Timestamp.parse("2026-11-21T10:00:00Z")!

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
        store = workspace.url("demo/store.sqlite")
    }

    func register() throws -> BreachRegister { try workspace.installation(configuration).breachRegister() }

    func breachFile(_ name: String, _ text: String) throws -> URL { try workspace.write(text, to: "demo/breaches/\(name)") }

    func count(_ sql: String) throws -> Int {
        try DatabaseQueue(path: store.path).read { db in try Int.fetchOne(db, sql: sql)! }
    }

    static let facts = """
        types: [confidentiality]
        description: A test breach.
        likely_consequences: Phishing.
        measures_taken: Contained.
        measures_proposed: Training.
        notify_authority: true
        """

    @Test func aColumnScopeCountsWhatSQLCounts() throws {
        let file = try breachFile("BR-T-1.yaml", """
            id: BR-T-1
            title: Accessibility notes exposed
            aware_at: 2026-11-20T12:00:00+01:00
            scope:
              - table: support_tickets
                columns: [accessibility_needs]
                all: true
            \(Self.facts)
            """)
        let record = try register().open(file, now: now)
        #expect(record.measurement.records == (try count("SELECT count(*) FROM support_tickets")))
        #expect(record.measurement.people == (try count("SELECT count(DISTINCT customer_id) FROM support_tickets")))
        #expect(record.measurement.categories == [.health])
        #expect(record.measurement.specialCategories == [.health])
        #expect(record.proposal.level == .risk)  // special category, but no names or contact details in the scope
    }

    @Test func aWhereScopeCountsWhatSQLCounts() throws {
        let record = try register().open(workspace.url("demo/breaches/BR-DEMO-001.yaml"), now: now)
        let tickets = "customer_id FROM support_tickets WHERE opened_at >= '2020-01-01' AND opened_at < '2020-07-01'"
        let customers = "id FROM customers WHERE created_at >= '2019-10-03' AND created_at < '2020-04-02'"
        #expect(record.measurement.people == (try count("SELECT count(*) FROM (SELECT \(tickets) UNION SELECT \(customers))")))
        #expect(record.measurement.tables.map(\.records) == [try count("SELECT count(*) FROM (SELECT \(tickets))"),
                                                           try count("SELECT count(*) FROM (SELECT \(customers))")])
        #expect(record.measurement.people > 0)
        #expect(record.measurement.specialCategories == [.health])
        #expect(record.proposal.level == .high)
    }

    @Test func anIdentitiesFileScopeCountsWhatSQLCounts() throws {
        let record = try register().open(workspace.url("demo/breaches/BR-DEMO-002.yaml"), now: now)
        let people = "SELECT id FROM customers WHERE lower(email) IN ('kari.nordmann1@example.no', 'ola.nordmann3@example.no') OR customer_no IN ('C-000002', 'C-000003')"
        #expect(record.measurement.people == (try count("SELECT count(*) FROM (\(people))")))
        #expect(record.measurement.people == 3)
        #expect(record.measurement.tables.first { $0.table == "orders" }?.records
                == (try count("SELECT count(*) FROM orders WHERE customer_id IN (\(people))")))
        #expect(record.measurement.identitiesListed == 4)
        #expect(record.measurement.identitiesUnmatched == 1)
    }

    @Test func everyPhaseValidatesAgainstItsSchemas() throws {
        let register = try register()
        try register.open(workspace.url("demo/breaches/BR-DEMO-001.yaml"), now: now)
        var written: [URL] = []
        for format in OutputFormat.allCases {
            written.append(try register.report("BR-DEMO-001", phase: .initial, format: format, to: nil, now: now))
        }
        _ = try register.submitted("BR-DEMO-001", phase: .initial, at: now.addingTimeInterval(600), channel: "web form",
                                   reference: "DT-26/01234", now: now.addingTimeInterval(900))
        let later = try breachFile("later.yaml", "measures_taken: The partner deleted the file and its backups.\n")
        try register.update("BR-DEMO-001", with: later, now: now.addingTimeInterval(3600))
        for phase in [BreachReportPhase.followUp, .final] {
            for format in OutputFormat.allCases {
                written.append(try register.report("BR-DEMO-001", phase: phase, format: format, to: nil, now: now.addingTimeInterval(7200)))
            }
        }
        #expect(try register.ledger.breach("BR-DEMO-001").finalAt == nil, "written is not received")
        _ = try register.submitted("BR-DEMO-001", phase: .final, at: now.addingTimeInterval(7300), channel: nil, reference: nil,
                                   now: now.addingTimeInterval(7400))
        let validator = try XMLSchemaValidator(schemaURL: ExternalTools.schema("breach-notification.xsd"))
        for file in written where file.pathExtension == "xml" {
            #expect(validator.errors(validating: file) == [], "\(file.lastPathComponent)")
        }
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("breach-notification.schema.json"),
                                                   documents: written.filter { $0.pathExtension == "json" }) == [])
        let followUp = try JSONSerialization.jsonObject(with: Data(contentsOf: written[2])) as! [String: Any]
        let changes = followUp["changes"] as! [[String: Any]]
        #expect(changes.map { $0["field"] as! String } == ["measures_taken"])
        #expect(followUp["phase"] as? String == "follow-up")
        #expect((followUp["timeline"] as? [String: Any])?["authority_case_reference"] as? String == "DT-26/01234")
        #expect(try String(contentsOf: written[3], encoding: .utf8).contains("<authorityCaseReference>DT-26/01234</authorityCaseReference>"))
        let attributes = try FileManager.default.attributesOfItem(atPath: written[0].path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try register.ledger.breach("BR-DEMO-001").finalAt != nil)
        #expect(throws: DSRError.self) { try register.update("BR-DEMO-001", with: later, now: now.addingTimeInterval(9000)) }
    }

    @Test func aLateReportNeedsReasonsAndSaysItWasLate() throws {
        let register = try register()
        try register.open(workspace.url("demo/breaches/BR-DEMO-001.yaml"), now: now)
        let late = Timestamp.parse("2026-11-23T14:38:00+01:00")!  // one minute past the 72 hours
        let error = #expect(throws: DSRError.self) {
            try register.report("BR-DEMO-001", phase: .initial, format: .json, to: nil, now: late)
        }
        #expect(error?.status == .dataError)
        #expect(error?.message.contains("reasons_for_delay") == true)
        #expect(!FileManager.default.fileExists(atPath: register.folder(for: "BR-DEMO-001").appendingPathComponent("notification-initial.json").path))
        #expect(try register.ledger.breach("BR-DEMO-001").notifiedAt == nil)

        let reasons = try breachFile("reasons.yaml", "reasons_for_delay: The partner told us only after the weekend which file it was.\n")
        try register.update("BR-DEMO-001", with: reasons, now: late)
        let file = try register.report("BR-DEMO-001", phase: .initial, format: .json, to: nil, now: late)
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        let timeline = document["timeline"] as! [String: Any]
        #expect(timeline["late"] as? Bool == true)
        #expect((timeline["reasons_for_delay"] as? String)?.contains("weekend") == true)
        #expect(try register.ledger.breach("BR-DEMO-001").notifiedAt == nil, "a draft is not a notification")
        _ = try register.submitted("BR-DEMO-001", phase: .initial, at: late.addingTimeInterval(60), channel: nil, reference: nil,
                                   now: late.addingTimeInterval(120))
        #expect(try register.ledger.breach("BR-DEMO-001").notifiedLate)
    }

    /// Only the authority's receipt stops the clock, and lateness is judged against it.
    @Test func aDraftKeepsTheClockRunningUntilTheAuthorityReceivesIt() throws {
        let register = try register()
        try register.open(workspace.url("demo/breaches/BR-DEMO-001.yaml"), now: now)
        let record = try register.ledger.breach("BR-DEMO-001")
        let due = record.breach.notificationDueAt
        _ = try register.report("BR-DEMO-001", phase: .initial, format: .xml, to: nil, now: due.addingTimeInterval(-7200))
        let clocks = { (at: Date) in BreachClock.open(try register.ledger.breaches(), now: at, zone: TimeZone(identifier: "Europe/Oslo")!) }
        #expect(try clocks(due.addingTimeInterval(60)).map(\.overdue) == [true], "a draft does not stop the clock")
        // Received after the due time, without reasons for the delay: refused (65).
        let late = #expect(throws: DSRError.self) {
            try register.submitted("BR-DEMO-001", phase: .initial, at: due.addingTimeInterval(60), channel: nil, reference: nil, now: due.addingTimeInterval(120))
        }
        #expect(late?.status == .dataError && late?.message.contains("reasons_for_delay") == true)
        // Received an hour before the due time: notified on time.
        let received = try register.submitted("BR-DEMO-001", phase: .initial, at: due.addingTimeInterval(-3600), channel: "e-mail",
                                              reference: nil, now: due.addingTimeInterval(120))
        #expect(received.notifiedAt == due.addingTimeInterval(-3600) && !received.notifiedLate)
        #expect(try clocks(due.addingTimeInterval(600)).isEmpty)
    }

    @Test func anOverdueBreachMakesTheHourlyJobExitOne() throws {
        let register = try register()
        try register.open(workspace.url("demo/breaches/BR-DEMO-002.yaml"), now: now)
        try FileManager.default.removeItem(at: workspace.url("demo/inbox"))
        try FileManager.default.createDirectory(at: workspace.url("demo/inbox"), withIntermediateDirectories: true)
        let installation = try workspace.installation(configuration)
        let beforeDue = Timestamp.parse("2026-11-24T08:00:00+01:00")!
        let early = try installation.jobRun(Job.builtIn["hourly"]!, clock: { beforeDue }).run()
        #expect(early.deadlines?.breaches.map(\.minutesRemaining) == [5])
        #expect(early.exitStatus == .success)
        let afterDue = Timestamp.parse("2026-11-24T08:06:00+01:00")!
        let late = try installation.jobRun(Job.builtIn["hourly"]!, clock: { afterDue }).run()
        #expect(late.deadlines?.breaches.first?.overdue == true)
        #expect(late.exitStatus == .attentionNeeded)
        #expect(late.text.contains("BR-DEMO-002 due 2026-11-24T08:05:00+01:00 — OVERDUE"))
    }

    @Test func highRiskLettersGoToEveryAffectedPerson() throws {
        let register = try register()
        let record = try register.open(workspace.url("demo/breaches/BR-DEMO-002.yaml"), now: now)
        #expect(throws: DSRError.self) { try register.notify("BR-DEMO-002", exception: nil, reason: nil, now: now) }
        #expect(throws: DSRError.self) { try register.assess("BR-DEMO-002", risk: .risk, reason: nil, now: now) }
        try register.assess("BR-DEMO-002", risk: .high, reason: nil, now: now)
        guard case .letters(let count, let folder) = try register.notify("BR-DEMO-002", exception: nil, reason: nil, now: now) else {
            Issue.record("no letters")
            return
        }
        #expect(count == record.measurement.people)
        let lines = try String(contentsOf: folder.appendingPathComponent(BreachLetters.jsonLinesName), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        var documents: [URL] = []
        for (index, line) in lines.enumerated() { documents.append(try workspace.write(line, to: "letter-\(index).json")) }
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("breach-letter.schema.json"), documents: documents) == [])
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(first["email"] as? String == "kari.nordmann1@example.no")
        #expect(first["name"] as? String == "Kari Nordmann")
        #expect((first["body"] as? String)?.contains("personvern@demoshop.example") == true)
        // The letter in the controller's language (nb), greeting the person by name; the page
        // it names is the same letter without the greeting, shared by everyone whose reads
        // the same, so it holds no one's name.
        #expect((first["body"] as? String)?.hasPrefix("Kjære Kari Nordmann,\n\nDemo Shop AS") == true)
        #expect((first["body"] as? String)?.contains("Hvilke av opplysningene dine det gjelder") == true)
        // Each page in its reader's language (the demo map's country column: NO, SE).
        let languageOfFile = Dictionary(lines.compactMap { line -> (String, String)? in
            guard let fields = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let file = fields["letter_file"] as? String, let language = fields["language"] as? String else { return nil }
            return (file, language)
        }, uniquingKeysWith: { first, _ in first })
        #expect(!languageOfFile.isEmpty && languageOfFile.count <= lines.count)
        let titles = ["nb": "Et brudd på personopplysningssikkerheten som gjelder deg", "sv": "En personuppgiftsincident som gäller dig"]
        let whatYouCanDo = ["nb": "Hva du kan gjøre", "sv": "Vad du kan göra"]
        for (file, language) in languageOfFile {
            let page = try ExternalTools.parseHTML(folder.appendingPathComponent("\(file).html"))
            #expect(page.errors == [] && page.lang == language && page.resources == [])
            #expect(page.title.hasPrefix(titles[language] ?? "?"))
            #expect(!page.text.contains("Kari") && page.text.contains("Datatilsynet"))
            #expect(try String(contentsOf: folder.appendingPathComponent("\(file).txt"), encoding: .utf8).contains(whatYouCanDo[language] ?? "?"))
        }
        let csv = try ExternalTools.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c",
            "import csv,sys; rows=list(csv.reader(open(sys.argv[1], newline=''))); print(len(rows), rows[0][0], rows[1][3])",
            folder.appendingPathComponent(BreachLetters.csvName).path])
        #expect(csv.stdout == "4 letter_id kari.nordmann1@example.no\n")
        #expect(throws: DSRError.self) { try register.notify("BR-DEMO-002", exception: nil, reason: nil, now: now) }
    }

    @Test func theArticle34ExceptionsAreRecordedInsteadOfLetters() throws {
        let register = try register()
        try register.open(workspace.url("demo/breaches/BR-DEMO-001.yaml"), now: now)
        try register.assess("BR-DEMO-001", risk: .high, reason: nil, now: now)
        let encrypted = #expect(throws: DSRError.self) {
            try register.notify("BR-DEMO-001", exception: .encrypted, reason: nil, now: now)
        }
        #expect(encrypted?.message.contains("data_encrypted") == true)
        guard case .exception(.disproportionateEffort, let notice?) = try register.notify(
            "BR-DEMO-001", exception: .disproportionateEffort, reason: "No contact details for most of them", now: now) else {
            Issue.record("no public notice")
            return
        }
        #expect(try String(contentsOf: notice, encoding: .utf8).contains("Hva du kan gjøre"))
        let record = try register.ledger.breach("BR-DEMO-001")
        #expect(record.communication == .disproportionateEffort)
        let report = try register.report("BR-DEMO-001", phase: .initial, format: .json, to: nil, now: now)
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as! [String: Any]
        #expect((document["communication_to_individuals"] as? [String: Any])?["method"] as? String == "disproportionate-effort")
    }

    @Test func aBadBreachFileNamesEveryProblemAndRegistersNothing() throws {
        let file = try breachFile("bad.yaml", """
            id: BR-BAD
            title: Bad
            aware_at: 2025-10-26 02:30
            types: [confidentiality, leak]
            description: x
            scope:
              - table: customer
                all: true
              - table: customers
                columns: [email, shoe_size]
                all: true
              - table: orders
                where: {ordered_at: {from: 2024-01-01}}
                all: true
            likely_consequences: x
            measures_taken: x
            measures_proposed: x
            notify_authority: false
            """)
        let before = try workspace.contents(of: workspace.url("demo"))
        let error = #expect(throws: DSRError.self) { try register().open(file, now: now) }
        #expect(error?.status == .dataError)
        let message = error?.message ?? ""
        for expected in ["field 'aware_at'", "ambiguous", "field 'types[1]'", "unknown breach type", "field 'scope[0].table'",
                         "reason_not_notified"] {
            #expect(message.contains(expected), "\(expected) missing in: \(message)")
        }
        #expect(try register().ledger.breaches().isEmpty)
        let after = try workspace.contents(of: workspace.url("demo"))
        #expect(after.filter { !$0.key.hasPrefix("/ledger/") } == before)
    }

    @Test func scopeProblemsNameTheColumn() throws {
        let unknownColumn = try breachFile("bad-column.yaml", """
            id: BR-BAD-2
            title: Bad
            aware_at: 2026-11-20T10:00:00+01:00
            scope:
              - table: customers
                columns: [email, shoe_size]
                all: true
            \(Self.facts)
            """)
        let error = #expect(throws: DSRError.self) { try register().open(unknownColumn, now: now) }
        #expect(error?.message.contains("'shoe_size' is not a mapped column of customers") == true)
        let twoSelections = try breachFile("bad-rows.yaml", """
            id: BR-BAD-3
            title: Bad
            aware_at: 2026-11-20T10:00:00+01:00
            scope:
              - table: orders
                where: {ordered_at: {from: 2024-01-01}}
                all: true
            \(Self.facts)
            """)
        let rows = #expect(throws: DSRError.self) { try register().open(twoSelections, now: now) }
        #expect(rows?.message.contains("exactly one of 'where', 'ids_file' or 'all: true'") == true)
    }
}
