@testable import DSRKit
import DSRCore
import Foundation
import GRDB
import Testing

/// Every sentence a letter says is true for its reader, checked against the stores by SQL
/// rather than against dsr's own receipts: what an erasure left is in the letter with its
/// reason, consents end where they are kept, amounts carry their own row's currency, and
/// the language the person asked for holds whichever run writes the letter.
@Suite struct LetterTruthTests {
    let workspace: TestWorkspace
    let configuration: URL
    let night = "2026-11-22T03:00:00Z"

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
    }

    func letter(_ path: String) throws -> ExternalTools.ParsedHTML { try workspace.demoLetter(path) }

    func marketing(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        try DatabaseQueue(path: workspace.url("demo/marketing.sqlite").path).read { try Int.fetchOne($0, sql: sql, arguments: arguments)! }
    }

    func shop(_ sql: String) throws -> Int {
        Int(try workspace.storeRows(configuration, sql)[0][0])!
    }

    /// The rows of the letter's "what stays" table: caption with its count, what stays,
    /// why, until.
    func staying(_ page: ExternalTools.ParsedHTML, heading: String) -> [[String]] {
        page.tables.first { $0.caption == heading }?.rows ?? []
    }

    /// The demo's Swedish erasure (REQ-DEMO-0006) and an English newsletter reader's: each
    /// table that still holds rows of the person after the night is in the letter with its
    /// row count, reason and end; the standing consents are withdrawn in marketing.sqlite;
    /// the suppression entry is named; the headline says erased except what is kept.
    @Test func everyRowAnErasureLeavesIsInItsLetterWithWhyAndUntilWhen() throws {
        let email = "astrid.andersson530@example.se", reader = "reader1@example.no"
        let customer = try workspace.storeRows(configuration, "SELECT id FROM customers WHERE lower(email) = '\(email)'")[0][0]
        let readerConsents = try marketing("SELECT count(*) FROM marketing_consents WHERE lower(email) = ?", [reader])
        #expect(try marketing("SELECT count(*) FROM marketing_consents WHERE lower(email) = ? AND withdrawn_at IS NULL", [reader]) > 0)
        try workspace.dropVerifiedRequest("REQ-T-READER", "erasure", subject: "email: \"\(reader)\"", extra: "language: en")
        try workspace.runNightly(configuration, at: night)

        // Left after the night, by SQL on the stores.
        let left = [
            "Ditt kundkonto": try shop("SELECT count(*) FROM customers WHERE id = \(customer)"),
            "Dina beställningar": try shop("SELECT count(*) FROM orders WHERE customer_id = \(customer)"),
            "Varorna i dina beställningar": try shop("SELECT count(*) FROM order_lines WHERE order_id IN (SELECT id FROM orders WHERE customer_id = \(customer))"),
            "Ditt medlemskap i kundklubben": try shop("SELECT count(*) FROM loyalty_memberships WHERE customer_id = \(customer)"),
            "Dina ärenden till kundtjänst": try shop("SELECT count(*) FROM support_tickets WHERE customer_id = \(customer)"),
            "Dina samtycken till marknadsföring": try marketing("SELECT count(*) FROM marketing_consents WHERE lower(email) = ?", [email]),
        ]
        #expect(left.values.filter { $0 > 0 }.count == 4, "\(left)")
        let page = try letter("REQ-DEMO-0006")
        #expect(page.lang == "sv" && page.title.hasPrefix("Dina uppgifter har raderats, utom det vi måste spara"))
        let stays = staying(page, heading: "Vad som finns kvar, och varför")
        for (caption, rows) in left where rows > 0 {
            let row = stays.first { $0.first?.hasPrefix(caption + " (") == true }
            #expect(row?.first == "\(caption) (\(rows) \(rows == 1 ? "rad" : "rader"))", "\(caption): \(stays)")
            #expect(row.map { $0.count == 4 && $0[1...].allSatisfy { !$0.isEmpty } } == true, "\(caption): why and until")
        }
        #expect(stays.count == left.values.filter { $0 > 0 }.count)
        // The consents' reason is the map's Swedish text; the held orders name the law in Swedish.
        #expect(stays.contains { $0[2].hasPrefix("Bevis för vad du sa ja till") && $0[3] == "3 år efter att samtycket upphörde." })
        let held = try #require(page.tables.first { $0.caption == "Vad vi måste spara, och hur länge" })
        #expect(!held.rows.isEmpty && held.rows.allSatisfy { $0[3].hasPrefix("Norska bokføringsloven § 13") })
        #expect(page.text.contains("Så ser vi till att vi inte kontaktar dig") && page.text.contains("E-postadress"))
        #expect(try marketing("SELECT count(*) FROM marketing_consents WHERE lower(email) = ? AND withdrawn_at IS NULL", [email]) == 0)

        // The newsletter reader the shop never knew: their consents end, and the letter says
        // what stays of them.
        #expect(try marketing("SELECT count(*) FROM marketing_consents WHERE lower(email) = ? AND withdrawn_at IS NULL", [reader]) == 0)
        #expect(try marketing("SELECT count(*) FROM marketing_consents WHERE lower(email) = ? AND withdrawn_via = 'erasure request'", [reader])
                == readerConsents)
        let readerPage = try letter("REQ-T-READER")
        #expect(readerPage.lang == "en" && readerPage.title.hasPrefix("Your data has been erased, except what we must keep"))
        #expect(!readerPage.text.contains("already"))
        let readerStays = staying(readerPage, heading: "What stays, and why")
        #expect(readerStays.map(\.first) == ["Your consents to marketing (\(readerConsents) \(readerConsents == 1 ? "row" : "rows"))"])
        #expect(readerPage.text.contains("How we make sure we do not contact you"))
        let suppressed = try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM suppression WHERE reason = 'erasure'")!
        }
        #expect(suppressed >= 2)
    }

    /// The second-shape fixture (quoted names, no labels, English): the member's record and
    /// the orders and order lines erasure keeps are in the letter with the map's reason.
    @Test func theSecondShapesErasureLetterNamesWhatStays() throws {
        let club = try workspace.fixture("second-shape", in: "club")
        for name in try FileManager.default.contentsOfDirectory(atPath: workspace.url("club/inbox").path) {
            try FileManager.default.removeItem(at: workspace.url("club/inbox/\(name)"))
        }
        try workspace.write("""
            {"id": "SS-K1", "type": "erasure", "received_at": "2026-03-05T10:00:00+01:00", "subject": {"email": " ANNA.BERG@example.COM"},
             "verification": {"method": "in-person", "verified_at": "2026-03-05T10:05:00+01:00"}}
            """, to: "club/inbox/SS-K1.json")
        try workspace.runNightly(club, at: "2026-03-06T03:00:00Z")
        func count(_ sql: String) throws -> Int { Int(try workspace.storeRows(club, sql)[0][0])! }
        let left = [
            "Your membership record.": try count(#"SELECT count(*) FROM "Person" WHERE "PersonID" = 'P-001'"#),
            "Your orders.": try count(#"SELECT count(*) FROM "Order" WHERE "Buyer" = 'P-001'"#),
            "What you ordered.": try count(#"SELECT count(*) FROM "LineItem" WHERE "Order" IN (SELECT "OrderNo" FROM "Order" WHERE "Buyer" = 'P-001')"#),
            "Where your parcels went.": try count(#"SELECT count(*) FROM "Shipment Event" WHERE "LineItemRef" IN (100, 101, 102)"#),
        ]
        #expect(left == ["Your membership record.": 1, "Your orders.": 2, "What you ordered.": 3, "Where your parcels went.": 0])
        let page = try ExternalTools.parseHTML(workspace.url("club/outbox/SS-K1/letter.html"))
        #expect(page.errors == [] && page.lang == "en")
        let stays = staying(page, heading: "What stays, and why")
        for (caption, rows) in left where rows > 0 {
            #expect(stays.contains { $0.first == "\(caption) (\(rows) \(rows == 1 ? "row" : "rows"))" && !$0[2].isEmpty && !$0[3].isEmpty },
                    "\(caption): \(stays)")
        }
        #expect(stays.contains { $0[2] == "Bookkeeping (the accounting act) – the items and prices of each sale." })
    }

    /// The language recorded at intake holds for a letter a later run writes: an English
    /// request given to `dsr submit` unverified, verified the next day, answered in English.
    @Test func theLanguageRecordedAtIntakeSurvivesSubmitAndVerify() throws {
        let file = try workspace.write("""
            id: REQ-T-EN
            type: access
            received_at: 2026-11-20T09:15:00+01:00
            subject: {email: "kari.nordmann1@example.no"}
            language: en
            """, to: "elsewhere/REQ-T-EN.yaml")
        let submitted = try ExternalTools.dsr(["submit", file.path, "--config", configuration.path])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let installation = try workspace.installation(configuration)
        _ = try installation.ledger().verify("REQ-T-EN", method: "bankid", now: Timestamp.parse("2026-11-21T10:00:00Z")!,
                                             controller: installation.configuration.controller)
        try workspace.runNightly(configuration, at: night)
        let page = try letter("REQ-T-EN")
        #expect(page.lang == "en" && page.title.hasPrefix("Your personal data"))
    }

    /// A Swedish customer's orders in SEK and NOK, in an English letter: each total shows
    /// its own row's currency; an order line's price, whose currency is on its order, shows
    /// as a number; the answer's JSON says where each amount's currency is.
    @Test func amountsCarryTheirOwnRowsCurrency() throws {
        let customer = try workspace.storeRows(configuration, """
            SELECT c.id, c.email FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.currency = 'SEK') ORDER BY c.id LIMIT 1
            """)[0]
        // One of the orders in NOK too, so the rows disagree.
        try DatabaseQueue(path: workspace.url("demo/store.sqlite").path).write { db in
            try db.execute(sql: "UPDATE orders SET currency = 'NOK' WHERE id = (SELECT min(id) FROM orders WHERE customer_id = ?)", arguments: [customer[0]])
        }
        let currencies = try workspace.storeRows(configuration, "SELECT DISTINCT currency FROM orders WHERE customer_id = \(customer[0])").map { $0[0] }
        #expect(Set(currencies) == ["NOK", "SEK"])
        try workspace.dropVerifiedRequest("REQ-T-SEK", "access", subject: "email: \"\(customer[1])\"", extra: "formats: [json, xml]\nlanguage: en")
        try workspace.runNightly(configuration, at: night)
        let page = try letter("REQ-T-SEK")
        let orders = page.tables.filter { $0.caption == "Your orders" }.map { table in
            Dictionary(zip(table.headers, table.rows.map { $0.first ?? "" }), uniquingKeysWith: { first, _ in first })
        }
        #expect(orders.count == (try shop("SELECT count(*) FROM orders WHERE customer_id = \(customer[0])")))
        for order in orders {
            let currency = try #require(order["Currency"])
            #expect(order["Total"]?.hasPrefix(currency + "\u{A0}") == true || order["Total"]?.hasPrefix(currency + " ") == true,
                    "\(order["Total"] ?? "-") in \(currency)")
        }
        let prices = page.tables.filter { $0.caption == "The items of your orders" }.compactMap { table in
            zip(table.headers, table.rows.map { $0.first ?? "" }).first { $0.0 == "Unit price" }?.1
        }
        #expect(!prices.isEmpty && prices.allSatisfy { $0.allSatisfy { $0.isNumber || $0 == "," || $0 == "." } })
        let answer = try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.url("demo/outbox/REQ-T-SEK/access-report.json"))) as! [String: Any]
        let columns = ((answer["tables"] as! [[String: Any]]).first { $0["table"] as? String == "orders" }!["columns"] as! [[String: Any]])
        let total = try #require(columns.first { $0["name"] as? String == "total_cents" })
        #expect(total["currency"] as? String == "NOK" && total["currency_column"] as? String == "currency" && total["minor_units"] as? Int == 2)
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("access-report.schema.json"),
                                                   documents: [workspace.url("demo/outbox/REQ-T-SEK/access-report.json")]) == [])
    }

    /// The month while identity is confirmed, under the EEA rule (the default): asked the
    /// day after receipt, the clock is suspended from the letter's day until the
    /// identification arrives, and the due day moves by those days; asked three weeks late,
    /// nothing is suspended and the letter says the clock runs. Extending a request still
    /// awaiting verification writes its extension letter at once. Every due day is counted
    /// here from the dates, the Norwegian calendar rolling past weekends and holidays.
    @Test func theEEAClockIsSuspendedFromATimelyAskForIdentification() throws {
        // Received 1 November, asked on 22 November: too late to suspend anything.
        try workspace.write("""
            id: REQ-T-LATE
            type: access
            received_at: 2026-11-01T10:00:00+01:00
            subject: {email: "kari.nordmann1@example.no"}
            """, to: "demo/inbox/REQ-T-LATE.yaml")
        try workspace.runNightly(configuration, at: night)
        let installation = try workspace.installation(configuration)
        let ledger = try installation.ledger()
        let controller = installation.configuration.controller

        // REQ-DEMO-0003, received 21 November, asked on 22 November (within 7 days).
        let asked = try #require(try ledger.requests(id: "REQ-DEMO-0003").first)
        #expect(asked.pausedAt == Timestamp.parse(night))
        let suspended = try letter("notices/verification/REQ-DEMO-0003")
        #expect(suspended.lang == "nb")
        #expect(suspended.text.contains("Fristen vår til å svare er stanset til vi har fått det vi trenger. Stanset fra: 22. november 2026"))
        #expect(suspended.text.contains("21. desember 2026 (pluss dagene fristen er stanset)"))
        #expect(!suspended.text.contains("står stille"))
        // On 22 December it is not overdue: 30 days suspended so far move 21 Dec to 20 Jan.
        let report = DeadlineReport(records: try ledger.requests(), today: CalendarDay(iso: "2026-12-22")!, withinDays: 7, controller: controller)
        #expect(!report.overdue.map(\.id).contains("REQ-DEMO-0003"))
        // Identified on 27 November: 5 days suspended; 21 + 5 = 26 December (a holiday, then
        // a Sunday) rolls to Monday 28 December.
        let verified = try ledger.verify("REQ-DEMO-0003", method: "bankid", now: Timestamp.parse("2026-11-27T10:00:00Z")!, controller: controller)
        #expect(verified.pausedDays == 5 && verified.dueDate == "2026-12-28")

        // The late ask: the clock runs from receipt, 1 December.
        let late = try #require(try ledger.requests(id: "REQ-T-LATE").first)
        #expect(late.pausedAt == nil && late.dueDate == "2026-12-01")
        let running = try letter("notices/verification/REQ-T-LATE")
        #expect(running.text.contains("Fristen vår til å svare løper mens vi venter. Du får svar senest: 1. desember 2026"), "\(running.text)")
        let overdue = DeadlineReport(records: try ledger.requests(), today: CalendarDay(iso: "2026-12-02")!, withinDays: 7, controller: controller)
        #expect(overdue.overdue.map(\.id).contains("REQ-T-LATE"))

        let extended = try ledger.extend("REQ-T-LATE", reason: "Mange forespørsler", now: Timestamp.parse("2026-11-23T09:00:00Z")!,
                                         controller: controller)
        #expect(try installation.writeNotices(for: [extended], now: Timestamp.parse("2026-11-23T09:00:00Z")!) == 1)
        let extensionLetter = try letter("notices/extension/REQ-T-LATE")
        #expect(extensionLetter.text.contains("Mange forespørsler") && extensionLetter.lang == "nb")
    }

    /// The UK rule (the ICO's): the month starts when the identification arrives. Until then
    /// the request is neither overdue nor due, and its letter says the clock has not started.
    @Test func theUKClockStartsWithTheIdentification() throws {
        let settings = configuration
        var text = try String(contentsOf: settings, encoding: .utf8)
        text = text.replacingOccurrences(of: "  languages: [nb, sv, en]", with: "  languages: [nb, sv, en]\n  identification_clock: uk")
        try Data(text.utf8).write(to: settings)
        try workspace.runNightly(configuration, at: night)
        let installation = try workspace.installation(configuration)
        #expect(installation.configuration.controller.identificationClock == .uk)
        let ledger = try installation.ledger()
        let controller = installation.configuration.controller
        let waiting = try #require(try ledger.requests(id: "REQ-DEMO-0003").first)
        #expect(waiting.pausedAt == nil)
        let page = try letter("notices/verification/REQ-DEMO-0003")
        #expect(page.text.contains("Fristen vår til å svare begynner å løpe når vi har fått det vi trenger."))
        #expect(page.text.contains("én måned etter at vi har fått det vi trenger for å bekrefte hvem du er"))
        // Received 21 November; a month later nothing is overdue, for the month has not begun.
        let report = DeadlineReport(records: try ledger.requests(), today: CalendarDay(iso: "2027-01-05")!, withinDays: 7, controller: controller)
        #expect(!(report.overdue + report.dueSoon).map(\.id).contains("REQ-DEMO-0003"))
        // Identified on 2 December (Oslo): due 2 January 2027, a Saturday, rolled to Monday 4 January.
        let verified = try ledger.verify("REQ-DEMO-0003", method: "bankid", now: Timestamp.parse("2026-12-02T10:00:00Z")!, controller: controller)
        #expect(verified.baseDueDate == "2027-01-02" && verified.dueDate == "2027-01-04")
        let after = DeadlineReport(records: try ledger.requests(), today: CalendarDay(iso: "2027-01-05")!, withinDays: 7, controller: controller)
        #expect(after.overdue.map(\.id).contains("REQ-DEMO-0003"))
    }

    /// The demo's whole night in nb, sv and en (and a breach's letters to Norwegians and
    /// Swedes): no letter holds a phrase or a data map text of another language, nor a raw
    /// column name. The foreign texts are every phrase and map text of the other languages
    /// that the reader's language does not share (ten characters or more, so "Status" and
    /// "Kanal" are not taken for foreign words), the breach's texts in each language among
    /// them.
    @Test func everyLetterOfTheNightIsInItsReadersLanguage() throws {
        let swede = try workspace.storeRows(configuration, "SELECT email FROM customers WHERE country = 'SE' ORDER BY id LIMIT 1")[0][0]
        let norwegian = try workspace.storeRows(configuration, "SELECT email FROM customers WHERE country = 'NO' ORDER BY id LIMIT 1 OFFSET 3")[0][0]
        try workspace.dropVerifiedRequest("REQ-T-EN", "access", subject: "email: \"\(swede)\"", extra: "language: en")
        try workspace.dropVerifiedRequest("REQ-T-SV", "access", subject: "email: \"\(norwegian)\"", extra: "language: sv")
        try workspace.runNightly(configuration, at: night)
        let register = try workspace.installation(configuration).breachRegister()
        let now = Timestamp.parse(night)!
        let breach = try register.open(workspace.url("demo/breaches/BR-DEMO-001.yaml"), now: now).breach
        try register.assess("BR-DEMO-001", risk: .high, reason: nil, now: now)
        _ = try register.notify("BR-DEMO-001", exception: nil, reason: nil, now: now)

        let map = try DataMap.load(from: workspace.url("demo/datamap.yaml"))
        var texts: [Labels] = [map.facts.rights, map.facts.complaint, map.facts.automatedDecisions]
        // The breach's texts: English as filed, Norwegian and Swedish for the letters.
        let byLanguage = Language.allCases.map { ($0, breach.letterTexts(in: $0, defaultLanguage: .nb)!) }
        for field in [\Breach.LetterTexts.title, \.description, \.likelyConsequences, \.measuresTaken, \.measuresProposed] {
            texts.append(Labels(Dictionary(uniqueKeysWithValues: byLanguage.map { ($0.0, $0.1[keyPath: field]) })))
        }
        for table in map.tables {
            texts += [table.label, table.description, table.legalBasis, table.retention] + table.purposes + table.transfers
            texts += [table.kept?.reason, table.kept?.until].compactMap { $0 }
            for column in table.columns {
                texts.append(column.label)
                if case .enumeration(let labels)? = column.format { texts += labels.values }
            }
        }
        var own: [Language: Set<String>] = [:]
        for language in Language.allCases {
            let phrases = try LetterTemplates.phraseFile(LetterTemplates.shippedFolder.appendingPathComponent("phrases/\(language.rawValue).yaml"))
            own[language] = Set(phrases.filter { $0.key != "language_name" }.values).union(texts.compactMap { $0.texts[language] })
        }
        func foreign(to language: Language) -> Set<String> {
            let others = Language.allCases.filter { $0 != language }.reduce(into: Set<String>()) { $0.formUnion(own[$1]!) }
            let mine = own[language]!
            return Set(others.subtracting(mine).map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
                .filter { text in text.count >= 10 && !mine.contains { $0.contains(text) } })
        }
        let rawNames = Set(map.tables.flatMap { $0.columns.map(\.name) + $0.references.map(\.column) }.filter { $0.contains("_") })

        let outbox = workspace.url("demo/outbox")
        var pages = try FileManager.default.subpathsOfDirectory(atPath: outbox.path)
            .filter { $0.hasSuffix("letter.html") || ($0.hasPrefix("breaches/") && $0.hasSuffix(".html")) }
        pages.sort()
        var languagesSeen: Set<String> = []
        for path in pages {
            let page = try ExternalTools.parseHTML(outbox.appendingPathComponent(path))
            #expect(page.errors == [], "\(path)")
            let language = try #require(page.lang.flatMap(Language.init(rawValue:)), "\(path)")
            languagesSeen.insert(language.rawValue)
            for text in foreign(to: language) where page.text.contains(text) {
                Issue.record("\(path) (\(language.rawValue)) holds another language's text: \(text)")
            }
            for name in rawNames where page.text.contains(name) {
                Issue.record("\(path) names a column as the store spells it: \(name)")
            }
        }
        #expect(languagesSeen == ["nb", "sv", "en"] && pages.count > 12, "\(pages)")
    }

    /// An access letter names, per table, only the kinds of data of which the person's own
    /// rows hold a value: a ticket holder whose tickets record no accessibility need is not
    /// told we hold health data about them; one whose ticket does is.
    @Test func theAccessLetterNamesOnlyTheCategoriesThePersonsRowsHold() throws {
        let withNeed = try workspace.storeRows(configuration, """
            SELECT c.email FROM customers c WHERE EXISTS (SELECT 1 FROM support_tickets t WHERE t.customer_id = c.id AND t.accessibility_needs IS NOT NULL)
            ORDER BY c.id LIMIT 1
            """)[0][0]
        let withoutNeed = try workspace.storeRows(configuration, """
            SELECT c.email FROM customers c WHERE EXISTS (SELECT 1 FROM support_tickets t WHERE t.customer_id = c.id)
            AND NOT EXISTS (SELECT 1 FROM support_tickets t WHERE t.customer_id = c.id AND t.accessibility_needs IS NOT NULL) ORDER BY c.id LIMIT 1
            """)[0][0]
        try workspace.dropVerifiedRequest("REQ-T-NEED", "access", subject: "email: \"\(withNeed)\"")
        try workspace.dropVerifiedRequest("REQ-T-NONEED", "access", subject: "email: \"\(withoutNeed)\"")
        try workspace.runNightly(configuration, at: night)
        func ticketCategories(_ id: String) throws -> String {
            let facts = try letter(id).tables.filter { $0.caption == "Om denne tabellen" }.map { table in
                Dictionary(zip(table.headers, table.rows.map { $0.first ?? "" }), uniquingKeysWith: { first, _ in first })
            }
            return try #require(facts.first { $0["Hvorfor vi har dem"] == "Kundeservice" }?["Typer opplysninger"])
        }
        #expect(try ticketCategories("REQ-T-NEED").contains("helseopplysninger om deg"))
        let without = try ticketCategories("REQ-T-NONEED")
        #expect(!without.contains("helseopplysninger om deg") && without.contains("meldinger du har sendt oss"))
    }

    /// A restriction letter names exactly what was marked: the tables with a restriction
    /// flag in what we did, and the person's rows in tables without one under what could not
    /// be marked, with counts from the store; the flags are set in the store.
    @Test func theRestrictionLetterNamesWhatWasMarkedAndWhatCouldNotBe() throws {
        try workspace.runNightly(configuration, at: night)
        let customer = try workspace.storeRows(configuration, "SELECT id, email FROM customers WHERE customer_no = 'C-000010'")[0]
        #expect(try shop("SELECT count(*) FROM customers WHERE id = \(customer[0]) AND restricted = 1") == 1)
        #expect(try shop("SELECT count(*) FROM orders WHERE customer_id = \(customer[0]) AND restricted = 0") == 0)
        let unflagged = [
            "Medlemskapet ditt i kundeklubben": try shop("SELECT count(*) FROM loyalty_memberships WHERE customer_id = \(customer[0])"),
            "Varene i bestillingene dine": try shop("SELECT count(*) FROM order_lines WHERE order_id IN (SELECT id FROM orders WHERE customer_id = \(customer[0]))"),
            "Henvendelsene dine til kundeservice": try shop("SELECT count(*) FROM support_tickets WHERE customer_id = \(customer[0])"),
            "Samtykkene dine til markedsføring": try marketing("SELECT count(*) FROM marketing_consents WHERE lower(email) = lower(?)", [customer[1]]),
        ].filter { $0.value > 0 }
        #expect(!unflagged.isEmpty)
        let page = try letter("REQ-DEMO-0010")
        #expect(page.text.contains("Vi sier fra til deg før vi opphever begrensningen."))
        let text = page.text
        let section = try #require(text.range(of: "Opplysninger vi ikke kunne merke")).upperBound
        for (caption, rows) in unflagged {
            #expect(text[section...].contains("\(caption) (\(rows) \(rows == 1 ? "rad" : "rader"))"), "\(caption)")
        }
        let done = try #require(page.tables.first { $0.caption == "Hva vi gjorde, tabell for tabell" })
        #expect(done.rows.contains { $0.first == "Kundekontoen din" && $0[2] == "1" })
    }

    /// Art. 18(3): lifting a restriction tells the person first (the letter, in their
    /// language, with the day and the reason), then clears the marks in the store; the audit
    /// trail records both steps without the reason; a second lift is refused (65).
    @Test func liftingARestrictionTellsThePersonAndClearsTheMarks() throws {
        try workspace.runNightly(configuration, at: night)
        let customer = try workspace.storeRows(configuration, "SELECT id FROM customers WHERE customer_no = 'C-000010'")[0][0]
        let marked = "SELECT (SELECT count(*) FROM customers WHERE id = \(customer) AND restricted = 1) + (SELECT count(*) FROM orders WHERE customer_id = \(customer) AND restricted = 1)"
        let before = try shop(marked)
        #expect(before == 1 + (try shop("SELECT count(*) FROM orders WHERE customer_id = \(customer)")))
        let installation = try workspace.installation(configuration)
        let outcome = try installation.restrictionLift().lift("REQ-DEMO-0010", reason: "Opplysningene dine er rettet", now: Timestamp.parse("2026-11-30T10:00:00Z")!)
        #expect(outcome.rowsUnmarked == before && outcome.rowsHeld == 0)
        #expect(try shop(marked) == 0)
        let page = try letter("notices/restriction-lift/REQ-DEMO-0010")
        #expect(page.lang == "nb" && page.title.hasPrefix("Vi opphever begrensningen av opplysningene dine"))
        #expect(page.text.contains("Begrensningen oppheves fra 30. november 2026") && page.text.contains("Opplysningene dine er rettet"))
        let trail = try installation.ledger().auditEntries(requestID: "REQ-DEMO-0010")
        #expect(trail.map(\.action).suffix(2) == ["restriction lift announced", "restriction lifted"])
        #expect(!trail.contains { $0.detail.contains("rettet") })
        let again = try ExternalTools.dsr(["restriction", "lift", "REQ-DEMO-0010", "--reason", "again", "--config", configuration.path])
        #expect(again.status == 65 && again.stderr.contains("lifted already"), "\(again.stderr)")
        let access = try ExternalTools.dsr(["restriction", "lift", "REQ-DEMO-0001", "--reason", "x", "--config", configuration.path])
        #expect(access.status == 65 && access.stderr.contains("only a completed restriction can be lifted"))
    }

    /// A free-text column the map marks as possibly holding health data counts for everyone
    /// with a value in it, told as "possibly", in access and breach letters alike; someone
    /// whose rows hold a health value is told plainly; someone with no such text, nothing.
    @Test func aFreeTextThatMayHoldHealthDataIsToldAsPossible() throws {
        let mapURL = workspace.url("demo/datamap.yaml")
        let map = try String(contentsOf: mapURL, encoding: .utf8)
        let marked = map.replacingOccurrences(of: "      message:             {category: communication, provided: true,",
                                              with: "      message:             {category: communication, may_hold: [health], provided: true,")
        #expect(marked != map)
        try Data(marked.utf8).write(to: mapURL)
        let withoutNeed = try workspace.storeRows(configuration, """
            SELECT c.email FROM customers c WHERE EXISTS (SELECT 1 FROM support_tickets t WHERE t.customer_id = c.id)
            AND NOT EXISTS (SELECT 1 FROM support_tickets t WHERE t.customer_id = c.id AND t.accessibility_needs IS NOT NULL) ORDER BY c.id LIMIT 1
            """)[0][0]
        try workspace.dropVerifiedRequest("REQ-T-MAYBE", "access", subject: "email: \"\(withoutNeed)\"")
        try workspace.runNightly(configuration, at: night)
        let facts = try letter("REQ-T-MAYBE").tables.filter { $0.caption == "Om denne tabellen" }.map { table in
            Dictionary(zip(table.headers, table.rows.map { $0.first ?? "" }), uniquingKeysWith: { first, _ in first })
        }
        let tickets = try #require(facts.first { $0["Hvorfor vi har dem"] == "Kundeservice" }?["Typer opplysninger"])
        #expect(tickets.contains("muligens helseopplysninger om deg"), "\(tickets)")

        let register = try workspace.installation(configuration).breachRegister()
        let now = Timestamp.parse(night)!
        try register.open(workspace.url("demo/breaches/BR-DEMO-001.yaml"), now: now)
        try register.assess("BR-DEMO-001", risk: .high, reason: nil, now: now)
        _ = try register.notify("BR-DEMO-001", exception: nil, reason: nil, now: now)
        let inScope = "FROM support_tickets WHERE opened_at >= '2020-01-01' AND opened_at < '2020-07-01'"
        let writers = Set(try workspace.storeRows(configuration, "SELECT DISTINCT customer_id \(inScope) AND message IS NOT NULL").map { $0[0] })
        let health = Set(try workspace.storeRows(configuration, "SELECT DISTINCT customer_id \(inScope) AND accessibility_needs IS NOT NULL").map { $0[0] })
        let lines = try String(contentsOf: workspace.url("demo/outbox/breaches/BR-DEMO-001/letters/letters.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: String] }
        #expect(!writers.subtracting(health).isEmpty)
        for line in lines {
            let key = line["customer_key"]!, body = line["body"]!
            let (plain, possibly) = line["language"] == "sv" ? ("uppgifter om din hälsa", "möjligen uppgifter om din hälsa")
                : ("helseopplysninger om deg", "muligens helseopplysninger om deg")
            #expect(body.contains(possibly) == (writers.contains(key) && !health.contains(key)), "\(line["letter_id"]!)")
            #expect(body.contains(plain) == (writers.contains(key) || health.contains(key)), "\(line["letter_id"]!)")
        }
    }
}
