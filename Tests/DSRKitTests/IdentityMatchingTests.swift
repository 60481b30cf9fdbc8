@testable import DSRKit
import DSRCore
import Foundation
import GRDB
import Testing

/// Identities are matched by one normalisation on both sides, so a person we hold is never
/// answered "no personal data held", and an identity that could name two people is refused
/// rather than guessed.
@Suite struct IdentityMatchingTests {
    let workspace: TestWorkspace
    /// The demo samples' times are from 21 November 2026.
    let night = "2026-11-22T01:00:00Z"

    init() throws {
        workspace = try TestWorkspace()
    }

    /// Customers whose addresses are not plain ASCII, as people write them.
    static let nordicCustomers: [(id: Int, stored: String, requested: String)] = [
        (20, "Øystein.Ås@example.no", "øystein.ås@EXAMPLE.no"),
        (21, "ÅSA.LIND@EXAMPLE.SE", "åsa.lind@example.se"),
        // Stored decomposed (NFD: `A` + combining ring), asked for composed and upper case.
        (22, "A\u{30A}se.Bjørk@example.no", "ÅSE.BJØRK@example.no"),
        // Full case folding: ß is ss.
        (23, "Jürgen.Straße@example.de", "JÜRGEN.STRASSE@example.de"),
        // Stored composed, asked for decomposed.
        (24, "märta.ekström@example.se", "ma\u{308}rta.ekstro\u{308}m@example.se"),
    ]

    func setNordicEmails(_ db: GRDB.Database) throws {
        for customer in Self.nordicCustomers {
            try db.execute(sql: "UPDATE customers SET email = ? WHERE id = ?", arguments: [customer.stored, customer.id])
        }
    }

    func rows(_ configuration: URL, _ sql: String) throws -> [[String]] { try workspace.storeRows(configuration, sql) }

    func request(_ id: String, _ type: String, email: String) -> String {
        """
        {"id": "\(id)", "type": "\(type)", "received_at": "2026-11-21T10:00:00+01:00",
         "subject": {"email": "\(email.unicodeScalars.map { $0.isASCII ? String($0) : String(format: "\\u%04x", $0.value) }.joined())"},
         "verification": {"method": "bankid", "verified_at": "2026-11-21T10:05:00+01:00"}}
        """
    }

    @Test(arguments: StoreKind.allCases)
    func nonASCIIAddressesAreFoundInAnyCaseAndNormalisationForm(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind, preparing: setNordicEmails)
        for customer in Self.nordicCustomers where customer.id != 22 {
            try workspace.write(request("REQ-N\(customer.id)", "access", email: customer.requested), to: "demo/inbox/REQ-N\(customer.id).json")
        }
        try workspace.write(request("REQ-N22", "erasure", email: Self.nordicCustomers[2].requested), to: "demo/inbox/REQ-N22.json")
        // A Cyrillic А (U+0410) looks like the Latin one and is another letter: no one.
        try workspace.write(request("REQ-CYR", "access", email: "\u{410}sa.lind@example.se"), to: "demo/inbox/REQ-CYR.json")
        let summary = try workspace.runNightly(configuration, at: night)
        #expect(summary.intake.rejected.map(\.file) == ["bad-malformed.yaml", "bad-unknown-identity.yaml", "bad-unknown-type.json"])

        let outbox = configuration.deletingLastPathComponent().appendingPathComponent("outbox")
        for customer in Self.nordicCustomers where customer.id != 22 {
            let answer = try AnswerDocuments.json(outbox, "REQ-N\(customer.id)", .accessReport)
            let customers = try #require(AnswerDocuments.rowsByTable(answer)["customers"], "REQ-N\(customer.id) answered with the person's rows")
            #expect(customers.map { $0["id"] } == ["number:\(customer.id)"])
        }
        let noOne = try AnswerDocuments.json(outbox, "REQ-CYR", .accessReport)
        #expect(AnswerDocuments.rowsByTable(noOne).values.allSatisfy { $0.isEmpty })
        #expect(summary.noDataHeld == 2)  // the Cyrillic look-alike and the demo's unknown person

        // The erasure found its person and erased them.
        let erased = try rows(configuration, "SELECT email, first_name FROM customers WHERE id = 22")
        #expect(erased == [["erased@invalid", "erased"]])
        #expect(try rows(configuration, "SELECT count(*) FROM support_tickets WHERE customer_id = 22") == [["0"]])
    }

    @Test(arguments: StoreKind.allCases)
    func anAddressWithTooManySpellingsToListIsStillFound(_ kind: StoreKind) throws {
        let stored = "ÅÆØÅÆØÅÆØ.Ås@Example.no"
        #expect(EmailSpellings.of(IdentityNormalization.foldedEmail(stored)) == nil, "more spellings than the lookup lists")
        let configuration = try workspace.demo(on: kind) { db in
            try db.execute(sql: "UPDATE customers SET email = ? WHERE id = 30", arguments: [stored])
        }
        let installation = try workspace.installation(configuration)
        let requested = "åæøåæøåæø.ås@example.NO"
        let probe = DataSubjectRequest(id: "R", type: .access, receivedAt: Date(), identities: ["email": IdentityNormalization.foldedEmail(requested)],
                                       verification: nil, formats: [.json], changes: [:], scope: nil, note: nil)
        let resolutions = try SubjectResolver(store: try installation.store(), map: installation.map).resolve([probe])
        #expect(resolutions["R"] == .found(.integer(30)))
    }

    /// `dsr datamap check` names the index each identity is looked up through, and prints
    /// the statement that makes one when none does.
    @Test(arguments: StoreKind.allCases)
    func theDataMapCheckNamesTheIndexOfEachLookup(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind) { db in try db.execute(sql: "DROP INDEX customers_phone") }
        let check = try workspace.installation(configuration).checkDataMap()
        let byField = Dictionary(grouping: check.findings.filter { $0.field.hasPrefix("identities.") }, by: \.field)
        #expect(byField["identities.email"]?.map(\.severity) == [.note])
        #expect(byField["identities.email"]?.first?.message.contains("'customers_email'") == true)
        let phone = try #require(byField["identities.phone"]?.first)
        #expect(phone.severity == .warning)
        #expect(phone.message.hasSuffix(#"Create one: CREATE INDEX "customers_phone_lookup" ON "customers" ("phone");"#))
        #expect(check.passed)

        // The statement it prints makes the warning go.
        let statement = String(phone.message[phone.message.range(of: "CREATE INDEX")!.lowerBound...])
        _ = try workspace.installation(configuration).store().execute([SQLStatement(sql: statement)])
        let again = try workspace.installation(configuration).checkDataMap()
        #expect(again.findings.first { $0.field == "identities.phone" }?.severity == .note)
    }

    @Test func emailsFoldToOneForm() {
        let fold = { (text: String) in try? IdentityNormalization.email.normalize(text, defaultPhoneRegion: nil, today: CalendarDay(year: 2026, month: 11, day: 22)).get() }
        #expect(fold("  Øystein.Ås@Example.NO ") == "øystein.ås@example.no")
        #expect(fold("A\u{30A}sa@example.se") == "åsa@example.se")
        #expect(fold("\u{212B}sa@example.se") == "åsa@example.se")  // the Ångström sign is Å
        #expect(fold("STRAẞE@example.de") == "strasse@example.de")
        #expect(fold("\u{410}sa@example.se") != fold("Asa@example.se"))
        for hostile in ["kari\u{0}@example.no", "kari@exam\u{7}ple.no", "ka\u{200B}ri@example.no", "kari@example.no\u{202E}", "kari\n@example.no"] {
            #expect(fold(hostile) == nil)
        }
    }

    @Test func everySpellingFoldsToTheValueItIsFor() throws {
        let value = IdentityNormalization.foldedEmail("Åse.Bjørk.Straße@example.no")
        let spellings = try #require(EmailSpellings.of(value))
        #expect(spellings.count > 8)
        // Compared as bytes: String equality would take `a` + ring and `å` for one spelling.
        let bytes = Set(spellings.map { Array($0.utf8) })
        #expect(bytes.contains(Array("a\u{30A}se.bjørk.straße@example.no".utf8)))
        #expect(bytes.contains(Array("åse.bjørk.strasse@example.no".utf8)))
        #expect(bytes.contains(Array("Åse.bjØrk.strasse@example.no".utf8)))
        #expect(bytes.count == spellings.count, "no spelling twice")
        for spelling in spellings { #expect(IdentityNormalization.foldedEmail(spelling) == value) }
        #expect(EmailSpellings.of("kari.nordmann@example.no") == ["kari.nordmann@example.no"])
    }

    /// The phone spellings people write, and those that are no phone number: normalised or
    /// refused at intake, never matched against the wrong form.
    @Test(arguments: [
        ("+46 (0)70 000 00 22", "SE", "+46700000022"),
        ("+46 070 000 00 22", "SE", "+46700000022"),
        ("0046 70 000 00 22", nil, "+46700000022"),
        ("070-000 00 22", "SE", "+46700000022"),
        ("070.000.00.22", "SE", "+46700000022"),
        ("+47 912 34 567", "NO", "+4791234567"),
        ("912 34 567", "NO", "+4791234567"),
        ("0047 91234567", "SE", "+4791234567"),
        ("+47-912-34-567", nil, "+4791234567"),
        ("(0)20 7946 0958", "GB", "+442079460958"),
        ("+44 (0)20 7946 0958", nil, "+442079460958"),
        ("+49 (0)30 1234567", nil, "+49301234567"),
        ("+45 32 12 34 56", nil, "+4532123456"),
        ("+358 (0)40 123 4567", nil, "+358401234567"),
        ("+1 (212) 555-0100", nil, "+12125550100"),
        ("+39 06 1234 5678", nil, "+390612345678"),
    ] as [(String, String?, String)])
    func phoneSpellingsNormalise(input: String, region: String?, expected: String) {
        #expect((try? PhoneNumber.parse(input, defaultRegion: region).get()) == expected)
    }

    @Test(arguments: [
        ("+47 912 34", "NO"),          // too short for Norway
        ("+47 912 34 567 8", "NO"),    // too long for Norway
        ("912 34", "NO"),
        ("+46 70 000 00 22 99", nil),  // too long for Sweden
        ("+1234567890123456", nil),    // more than 15 digits
        ("+47 9123 abc", nil),         // letters
        ("91234567", nil),             // national without a default region
        ("+47 912 34 567 ext 2", nil),
    ] as [(String, String?)])
    func impossiblePhoneNumbersAreRefused(input: String, region: String?) {
        #expect((try? PhoneNumber.parse(input, defaultRegion: region).get()) == nil)
    }

    /// A request that names one identity twice with different values is refused in every
    /// format, naming the field; the same value twice is fine.
    @Test func doubledIdentitiesAreRefusedInEveryFormat() throws {
        let installation = try workspace.installation(try workspace.demo())
        let parser = installation.requestParser(now: Timestamp.parse(night)!)
        let head = #""id": "R-1", "type": "access", "received_at": "2026-11-21T10:00:00+01:00""#
        let files: [(name: String, text: String, field: String)] = [
            ("a.json", #"{\#(head), "subject": {"email": "a@example.no", "email": "b@example.no"}}"#, "email"),
            ("b.yaml", "id: R-1\ntype: access\nreceived_at: 2026-11-21T10:00:00+01:00\nsubject:\n  email: a@example.no\n  email: b@example.no\n", "email"),
            ("c.xml", """
                <request><id>R-1</id><type>access</type><receivedAt>2026-11-21T10:00:00+01:00</receivedAt>
                <subject><identity name="email">a@example.no</identity><identity name="email">b@example.no</identity></subject></request>
                """, "subject.email"),
            ("d.xml", """
                <request><id>R-1</id><id>R-2</id><type>access</type><receivedAt>2026-11-21T10:00:00+01:00</receivedAt>
                <subject><identity name="email">a@example.no</identity></subject></request>
                """, "id"),
            ("e.json", """
                {"subject_request_id": "R-1", "subject_request_type": "access", "submitted_time": "2026-11-21T10:00:00+01:00",
                 "subject_identities": [{"identity_type": "email", "identity_value": "a@example.no", "identity_format": "raw"},
                                        {"identity_type": "email", "identity_value": "b@example.no", "identity_format": "raw"}]}
                """, "subject.email"),
            ("f.csv", "id,type,received_at,subject.email,subject.email\nR-1,access,2026-11-21T10:00:00+01:00,a@example.no,b@example.no\n", "subject.email"),
        ]
        for file in files {
            guard case .failure(let error) = parser.parse(Data(file.text.utf8), file: file.name) else {
                Issue.record("\(file.name) was accepted")
                continue
            }
            let text = error.description
            #expect(text.contains(file.field), "\(file.name): \(text)")
            #expect(!text.contains("b@example.no") && !text.contains("a@example.no"), "\(file.name) quotes a value: \(text)")
        }
        let same = #"{\#(head), "subject": {"email": "a@example.no"}}"#
        let xmlSame = """
            <request><id>R-1</id><type>access</type><receivedAt>2026-11-21T10:00:00+01:00</receivedAt>
            <subject><identity name="email">A@example.no</identity><identity name="email">a@example.no </identity></subject></request>
            """
        #expect((try? parser.parse(Data(same.utf8), file: "same.json").get())?.first?.identities == ["email": "a@example.no"])
        #expect((try? parser.parse(Data(xmlSame.utf8), file: "same.xml").get())?.first?.identities == ["email": "a@example.no"])
    }

    @Test func errorTextsQuoteNoContent() throws {
        let installation = try workspace.installation(try workspace.demo())
        let parser = installation.requestParser(now: Timestamp.parse(night)!)
        let cases: [(String, String)] = [
            // No header row: the first row is a person's data.
            ("a.csv", "R-1,access,2026-11-21T10:00:00+01:00,secret.person@example.no\n"),
            ("b.xml", "<request><id>R-1</id><secret.person@example.no></request>"),
            ("c.json", #"{"id": "R-1", "type": "access", "received_at": "2026-11-21T10:00:00+01:00", "subject": {"email": "secret.person@example.no\u0000"}}"#),
        ]
        for (name, text) in cases {
            guard case .failure(let error) = parser.parse(Data(text.utf8), file: name) else {
                Issue.record("\(name) was accepted")
                continue
            }
            #expect(!error.description.contains("secret"), "\(name): \(error.description)")
        }
    }

    /// The demo's REQ-DEMO-0007 names an address two customers share; the officer adds
    /// the customer number and the next night answers for that one person.
    @Test(arguments: StoreKind.allCases)
    func reviewWithAnIdentitySettlesAnAmbiguousRequest(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        let first = try workspace.runNightly(configuration, at: night)
        #expect(first.needsReview.map(\.id).contains("REQ-DEMO-0007"))

        let refused = try ExternalTools.dsr(["review", "REQ-DEMO-0007", "--identity", "customer_no=C-000006", "--identity", "customer_no=C-000005",
                                             "--config", configuration.path])
        #expect(refused.status == 64)
        let settled = try ExternalTools.dsr(["review", "REQ-DEMO-0007", "--identity", "customer_no=C-000006", "--config", configuration.path])
        #expect(settled.status == 0, "\(settled.stderr)")

        let second = try workspace.runNightly(configuration, at: "2026-11-23T01:00:00Z")
        #expect(second.done["access"] == 1)
        let outbox = configuration.deletingLastPathComponent().appendingPathComponent("outbox")
        let answer = try AnswerDocuments.json(outbox, "REQ-DEMO-0007", .accessReport)
        #expect(AnswerDocuments.rowsByTable(answer)["customers"]?.map { $0["id"] } == ["number:6"])

        // The audit trail names the identity added, never its value.
        let trail = try ExternalTools.dsr(["audit", "show", "REQ-DEMO-0007", "--config", configuration.path])
        #expect(trail.stdout.contains("identity added"))
        #expect(!trail.stdout.contains("C-000006"))
    }

    /// A second access request by the demo's REQ-DEMO-0001 person, received on `day`.
    func writeSecondAccess(receivedOn day: String) throws {
        try workspace.write("""
            id: REQ-AGAIN
            type: access
            received_at: \(day)T10:00:00+01:00
            subject: {email: kari.nordmann1@example.no}
            verification: {method: bankid, verified_at: \(day)T10:05:00+01:00}
            """, to: "demo/inbox/REQ-AGAIN.yaml")
    }

    /// Art. 12(5): a second access request by the same person within the window goes to
    /// the officer with the earlier request's id; `--retry` answers it.
    @Test func aRepeatedRequestWithinTheWindowNeedsReview() throws {
        let configuration = try workspace.demo()
        try workspace.runNightly(configuration, at: night)
        try writeSecondAccess(receivedOn: "2026-11-23")
        let second = try workspace.runNightly(configuration, at: "2026-11-24T01:00:00Z")
        let review = try #require(second.needsReview.first { $0.id == "REQ-AGAIN" })
        #expect(review.reason.hasPrefix("repeats REQ-DEMO-0001 completed on 2026-11-22"))

        let ledger = try workspace.installation(configuration).ledger()
        _ = try ledger.review("REQ-AGAIN", retry: true, reason: "the person asks again after a change", now: Timestamp.parse("2026-11-24T09:00:00Z")!)
        let third = try workspace.runNightly(configuration, at: "2026-11-25T01:00:00Z")
        #expect(third.done["access"] == 1)
        #expect(try ledger.requests(id: "REQ-AGAIN").first?.state == .completed)
    }

    @Test func aRepeatOutsideTheWindowIsCarriedOut() throws {
        let configuration = try workspace.demo()
        let text = try String(contentsOf: configuration, encoding: .utf8)
        try Data((text + "repeat_window_days: 1\n").utf8).write(to: configuration)
        try workspace.runNightly(configuration, at: night)
        try writeSecondAccess(receivedOn: "2026-11-25")
        let second = try workspace.runNightly(configuration, at: "2026-11-26T01:00:00Z")
        #expect(second.done["access"] == 1)
    }

    /// A FIFO, a folder and a link to a file outside the inbox: never followed, opened or
    /// moved; the run finishes at once and says what it left.
    @Test func inboxEntriesThatAreNotRegularFilesAreLeftAlone() throws {
        let configuration = try workspace.demo()
        let inbox = workspace.url("demo/inbox")
        #expect(mkfifo(inbox.appendingPathComponent("pipe.json").path, 0o600) == 0)
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("folder.yaml"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: inbox.appendingPathComponent("passwd.csv").path, withDestinationPath: "/etc/passwd")
        let log = LogCapture()
        let summary = try workspace.runNightly(configuration, log: log, at: night)
        #expect(summary.intake.notTaken == [
            .init(name: "folder.yaml", kind: "folder"), .init(name: "passwd.csv", kind: "symbolic link"), .init(name: "pipe.json", kind: "FIFO"),
        ])
        #expect(summary.exitStatus == .attentionNeeded)
        #expect(summary.text.contains("passwd.csv: symbolic link"))
        for name in ["pipe.json", "folder.yaml", "passwd.csv"] {
            var status = stat()
            #expect(lstat(inbox.appendingPathComponent(name).path, &status) == 0, "\(name) left where it was")
        }
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        let firstLine = String(passwd.prefix { $0 != "\n" })
        // Every regular file dsr may have written, links never followed.
        let files = FileManager.default.enumerator(atPath: workspace.url("demo").path)!
        while let path = files.nextObject() as? String {
            let url = workspace.url("demo/\(path)")
            var status = stat()
            guard lstat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            #expect(!String(decoding: try Data(contentsOf: url), as: UTF8.self).contains(firstLine), "\(path) holds /etc/passwd")
        }
        #expect(!log.text.contains(firstLine))
        #expect(!summary.json().contains(firstLine))
    }
}
