@testable import DSRKit
import DSRCore
import Foundation
import GRDB
import Testing

/// The letters to people beside every answer and receipt, read as their reader's browser
/// reads them (html5lib): the person's own values under their labels, dates in the
/// controller's zone and the letter's language, nothing of anyone else, values as text.
@Suite struct LetterTests {
    let workspace: TestWorkspace
    let configuration: URL
    let night = "2026-11-22T03:00:00Z"

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
    }

    var outbox: URL { workspace.url("demo/outbox") }

    func letter(_ id: String) throws -> ExternalTools.ParsedHTML { try workspace.demoLetter(id) }

    func text(_ id: String) throws -> String {
        try String(contentsOf: outbox.appendingPathComponent("\(id)/letter.txt"), encoding: .utf8)
    }

    func store(_ sql: String) throws {
        try DatabaseQueue(path: workspace.url("demo/store.sqlite").path).write { try $0.execute(sql: sql) }
    }

    func row(_ sql: String) throws -> [String] { try workspace.storeRows(configuration, sql)[0] }

    @Test func theAccessLetterShowsThePersonsOwnValuesUnderTheirLabels() throws {
        let own = try row("SELECT email, first_name, last_name, city FROM customers WHERE id = 1")
        let others = try workspace.storeRows(configuration, "SELECT email, customer_no, phone FROM customers WHERE id IN (2, 3, 530)").flatMap { $0 }
        try workspace.runNightly(configuration, at: night)

        let page = try letter("REQ-DEMO-0001")
        #expect(page.lang == "nb")
        #expect(page.title.hasPrefix("Dine personopplysninger"))
        // Each of the person's rows is a table of labels and values.
        func records(_ caption: String) -> [[String: String]] {
            page.tables.filter { $0.caption == caption }.map { table in
                Dictionary(zip(table.headers, table.rows.map { $0.first ?? "" }), uniquingKeysWith: { first, _ in first })
            }
        }
        let account = try #require(records("Kundekontoen din").first)
        for (label, value) in zip(["E-postadresse", "Fornavn", "Etternavn", "Poststed"], own) {
            #expect(account[label] == value, "\(label)")
        }
        // Formats: the birth date as a Norwegian date, money in kroner, a code by its label.
        #expect(account["Fødselsdato"] == "7. september 1971")
        let orders = records("Bestillingene dine")
        #expect(orders.count == 2 && orders.allSatisfy { $0["Sum"]?.hasSuffix("kr") == true })
        #expect(orders.contains { $0["Status"] == "Levert" })
        // The request's facts: received in Oslo time (08:15 UTC is 09:15 there), due in local words.
        let facts = try #require(page.tables.first { $0.caption == "Om forespørselen din" })
        #expect(facts.rows.contains(["20. november 2026 kl. 9:15"]))
        #expect(facts.rows.contains(["21. desember 2026"]))
        for value in others { #expect(!page.text.contains(value), "another person's value in the letter") }
        // The text letter says the same.
        let plain = try text("REQ-DEMO-0001")
        #expect(plain.contains("E-postadresse: \(own[0])") && plain.contains("Svarfrist: 21. desember 2026"))
        #expect(page.text.contains("Brevet finnes også på: Svenska, English"))
    }

    /// The same letter from either store: the values the store holds, under their labels.
    @Test(arguments: StoreKind.allCases)
    func theAccessLetterShowsTheStoresValuesOnEveryStore(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        let own = try workspace.storeRows(configuration, "SELECT email, first_name, birth_date FROM customers WHERE id = 1")[0]
        try workspace.runNightly(configuration, at: night)
        let page = try letter("REQ-DEMO-0001")
        let account = try #require(page.tables.first { $0.caption == "Kundekontoen din" })
        let fields = Dictionary(zip(account.headers, account.rows.map { $0.first ?? "" }), uniquingKeysWith: { first, _ in first })
        #expect(fields["E-postadresse"] == own[0] && fields["Fornavn"] == own[1])
        #expect(fields["Fødselsdato"] == "7. september 1971" && own[2] == "1971-09-07")
        #expect(fields["Konto opprettet"]?.hasSuffix("kl. 1:00") == true, "a moment shown in Oslo time")
    }

    @Test func aLetterIsInTheLanguageTheRequestAsksFor() throws {
        try workspace.runNightly(configuration, at: night)
        let export = try letter("REQ-DEMO-0002")
        #expect(export.lang == "sv" && export.title.hasPrefix("Dina uppgifter att ta med dig"))
        #expect(export.text.contains("portability-export.json") && export.text.contains("portability-export.xml"))
        let objection = try letter("REQ-DEMO-0009")
        #expect(objection.lang == "en" && objection.title.hasPrefix("We no longer use your data for marketing"))
        #expect(objection.text.contains("This letter can also be had in: Norsk bokmål, Svenska"))
        let unknown = try letter("REQ-DEMO-0004")
        #expect(unknown.title.hasPrefix("Vi har ingen personopplysninger om deg"))
    }

    @Test func theErasureLetterSaysWhatIsKeptUnderWhichLawUntilWhen() throws {
        try workspace.runNightly(configuration, at: night)
        let page = try letter("REQ-DEMO-0006")
        #expect(page.lang == "sv" && page.title.hasPrefix("Dina uppgifter har raderats"))
        let kept = try #require(page.tables.first { $0.caption == "Vad vi måste spara, och hur länge" })
        let receipt = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: outbox.appendingPathComponent("REQ-DEMO-0006/receipt.json"))) as? [String: Any])
        let held = (receipt["tables"] as? [[String: Any]] ?? []).flatMap { $0["held"] as? [[String: Any]] ?? [] }
        #expect(kept.rows.count == held.count && !held.isEmpty)
        // The law is named in the reader's language.
        #expect(kept.rows.allSatisfy { $0[2] == "31 december 2026" && $0[3].hasPrefix("Norska bokføringsloven § 13") })
        for name in ["REQ-DEMO-0008", "REQ-DEMO-0010"] { #expect(try letter(name).lang == "nb") }
    }

    /// The notices besides answers: what verification needs (written by the night), an
    /// extension (by `dsr extend`), a refusal after review and a cancellation (by the
    /// commands, and by the next night when a command was stopped before writing it).
    @Test func noticesTellThePersonOfVerificationExtensionRefusalAndCancellation() throws {
        let summary = try workspace.runNightly(configuration, at: night)
        #expect(summary.noticesWritten == 1)
        let notices = outbox.appendingPathComponent("notices")
        func notice(_ path: String) throws -> ExternalTools.ParsedHTML {
            let folder = notices.appendingPathComponent(path)
            #expect(Manifest.verified(in: folder) != nil, "\(path): published whole")
            let page = try ExternalTools.parseHTML(folder.appendingPathComponent("letter.html"))
            #expect(page.errors == [] && page.resources == [])
            return page
        }
        let verification = try notice("verification/REQ-DEMO-0003")
        #expect(verification.title.hasPrefix("Vi må bekrefte hvem du er") && verification.text.contains("personvern@demoshop.example"))

        let installation = try workspace.installation(configuration)
        let record = try installation.ledger().extend("REQ-DEMO-0005", reason: "Mange forespørsler denne måneden.",
                                                      now: Timestamp.parse("2026-12-01T09:00:00Z")!,
                                                      controller: installation.configuration.controller)
        #expect(try installation.writeNotices(for: [record], now: Timestamp.parse("2026-12-01T09:00:00Z")!) == 1)
        let extensionLetter = try notice("extension/REQ-DEMO-0005")
        #expect(extensionLetter.title.hasPrefix("Svaret ditt tar lengre tid"))
        #expect(extensionLetter.text.contains("Mange forespørsler denne måneden.") && extensionLetter.text.contains("22. februar 2027"),
                "\(extensionLetter.text)")
        #expect(try installation.writeNotices(for: [record], now: Date()) == 0, "written once")

        let refused = try ExternalTools.dsr(["review", "REQ-DEMO-0007", "--reject", "Forespørselen er åpenbart grunnløs.",
                                             "--config", configuration.path])
        #expect(refused.status == 0 && refused.stdout.contains("a letter to the person is in the outbox"))
        let refusal = try letter("REQ-DEMO-0007")
        #expect(refusal.title.hasPrefix("Vi kan ikke gjennomføre forespørselen din"))
        #expect(refusal.text.contains("Forespørselen er åpenbart grunnløs.") && refusal.text.contains("Datatilsynet, Postboks 458 Sentrum")
                && refusal.text.contains("domstolene"))

        // A command stopped between its ledger change and its letter: the night writes it.
        #expect(try ExternalTools.dsr(["cancel", "REQ-DEMO-0003", "--reason", "Trukket tilbake av personen.", "--config", configuration.path]).status == 0)
        try FileManager.default.removeItem(at: outbox.appendingPathComponent("REQ-DEMO-0003"))
        #expect(try workspace.runNightly(configuration, at: "2026-12-02T03:00:00Z").noticesWritten == 1)
        let cancellation = try letter("REQ-DEMO-0003")
        #expect(cancellation.title.hasPrefix("Forespørselen din er avsluttet") && cancellation.text.contains("Trukket tilbake av personen."))
    }

    @Test func storedMarkupIsTextInTheLetter() throws {
        try store("UPDATE customers SET first_name = '<script>alert(1)</script>', city = 'Ørsta & Å' WHERE id = 1")
        try workspace.runNightly(configuration, at: night)
        let page = try letter("REQ-DEMO-0001")
        #expect(!page.elements.contains("script"))
        #expect(page.text.contains("<script>alert(1)</script>") && page.text.contains("Ørsta & Å"))
        let raw = try String(contentsOf: outbox.appendingPathComponent("REQ-DEMO-0001/letter.html"), encoding: .utf8)
        #expect(raw.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(try text("REQ-DEMO-0001").contains("Fornavn: <script>alert(1)</script>"))
    }

    @Test func anInstallationsTemplatesAndPhrasesReplaceTheShippedOnes() throws {
        let exported = try ExternalTools.dsr(["templates", "export", workspace.url("demo/templates").path])
        #expect(exported.status == 0 && exported.stdout.contains("html/access.mustache"))
        #expect(try ExternalTools.dsr(["templates", "export", workspace.url("demo/templates").path]).stdout.contains("0 file(s) written"))
        // Only the phrases given replace the shipped ones.
        try workspace.write("title_access: Innsyn hos Demo Shop\n", to: "demo/templates/phrases/nb.yaml")
        let access = workspace.url("demo/templates/html/access.mustache")
        let template = try String(contentsOf: access, encoding: .utf8)
        try template.replacingOccurrences(of: "<h2>{{t.what_we_hold}}</h2>", with: "<h2>{{t.what_we_hold}}</h2>\n<p>Ring oss gjerne.</p>")
            .write(to: access, atomically: true, encoding: .utf8)
        #expect(try ExternalTools.dsr(["templates", "check", "--config", configuration.path]).status == 0)
        try workspace.runNightly(configuration, at: night)
        let page = try letter("REQ-DEMO-0001")
        #expect(page.title.hasPrefix("Innsyn hos Demo Shop") && page.text.contains("Ring oss gjerne."))
        #expect(page.text.contains("Opplysningene vi har om deg"))
    }

    @Test func aBrokenPlaceholderStopsTheNightNamingTheTemplateAndLine() throws {
        try workspace.write("""
            {{% CONTENT_TYPE: TEXT}}

            {{t.what_we_hold}}

            {{#tables}}{{captoin}}{{/tables}}
            """, to: "demo/templates/txt/access.mustache")
        let inbox = try workspace.contents(of: workspace.url("demo/inbox"))
        let check = try ExternalTools.dsr(["templates", "check", "--config", configuration.path])
        #expect(check.status == 78)
        #expect(check.stdout.contains("templates/txt/access.mustache:5: placeholder 'captoin' names nothing a letter holds"), "\(check.stdout)")
        let run = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(run.status == 78 && run.stderr.contains("txt/access.mustache:5"))
        #expect(try workspace.contents(of: workspace.url("demo/inbox")) == inbox, "nothing was taken")

        try workspace.write("{{#tables}}\n{{caption}\n", to: "demo/templates/txt/access.mustache")
        let unreadable = try ExternalTools.dsr(["templates", "check", "--config", configuration.path])
        #expect(unreadable.status == 78 && unreadable.stderr.contains("txt/access.mustache:2: the template cannot be read"), "\(unreadable.stderr)")
    }

    @Test func aMissingPhraseOrLabelIsNamed() throws {
        try workspace.write("""
            {{! a greeting }}
            <p>{{t.greeting}}</p>
            """, to: "demo/templates/html/no-data.mustache")
        let map = workspace.url("demo/datamap.yaml")
        let text = try String(contentsOf: map, encoding: .utf8)
        try text.replacingOccurrences(of: "label: {nb: Poststed, sv: Ort, en: City}", with: "label: {nb: Poststed, en: City}")
            .write(to: map, atomically: true, encoding: .utf8)
        let check = try ExternalTools.dsr(["templates", "check", "--config", configuration.path])
        #expect(check.status == 78)
        #expect(check.stdout.contains("data map: tables.customers.columns.city.label: no text in language sv"), "\(check.stdout)")
        #expect(check.stdout.contains("templates/html/no-data.mustache:2: phrase 'greeting' is missing in language nb"), "\(check.stdout)")
    }
}
