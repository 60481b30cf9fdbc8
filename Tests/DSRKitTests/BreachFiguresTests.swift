import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// The figures of a breach notification and the letters to people, checked against the
/// store by statements written independently here.
@Suite struct BreachFiguresTests {
    let workspace: TestWorkspace
    /// The demo's breach samples are dated 20–21 November 2026.
    let now = Timestamp.parse("2026-11-21T10:00:00Z")!

    init() throws {
        workspace = try TestWorkspace()
    }

    /// The facts every test breach has, with when dsr's DPO became aware.
    static let facts = "aware_at: 2026-11-20T12:00:00+01:00\n" + BreachRegisterTests.facts

    func count(_ configuration: URL, _ sql: String) throws -> Int {
        Int(try workspace.storeRows(configuration, sql)[0][0])!
    }

    /// People are distinct subjects whatever the scope's shape; records are rows.
    @Test(arguments: StoreKind.allCases)
    func peopleAreDistinctPeopleForEveryShapeOfScope(_ kind: StoreKind) throws {
        let configuration = try workspace.demo(on: kind)
        let register = try workspace.installation(configuration).breachRegister()
        try workspace.write("email\nkari.nordmann1@example.no\nKARI.NORDMANN1@example.no\nola.nordmann3@example.no\nnobody@example.no\n",
                            to: "demo/breaches/people.csv")
        let scopes: [(id: String, scope: String, people: String, records: String)] = [
            ("BR-ORDERS", "  - table: orders\n    all: true",
             "SELECT count(DISTINCT customer_id) FROM orders", "SELECT count(*) FROM orders"),
            ("BR-TWO", "  - table: orders\n    all: true\n  - table: support_tickets\n    all: true",
             "SELECT count(*) FROM (SELECT customer_id FROM orders UNION SELECT customer_id FROM support_tickets) AS people",
             "SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM support_tickets)"),
            ("BR-IDS", "  - table: orders\n    ids_file: people.csv",
             "SELECT count(DISTINCT customer_id) FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE lower(email) IN ('kari.nordmann1@example.no', 'ola.nordmann3@example.no'))",
             "SELECT count(*) FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE lower(email) IN ('kari.nordmann1@example.no', 'ola.nordmann3@example.no'))"),
            ("BR-WHERE", "  - table: orders\n    where: {ordered_at: {from: 2020-01-01, to: 2020-06-30}}",
             "SELECT count(DISTINCT customer_id) FROM orders WHERE ordered_at >= '2020-01-01' AND ordered_at < '2020-07-01'",
             "SELECT count(*) FROM orders WHERE ordered_at >= '2020-01-01' AND ordered_at < '2020-07-01'"),
        ]
        for scope in scopes {
            let file = try workspace.write("id: \(scope.id)\ntitle: Test\n\(Self.facts)\nscope:\n\(scope.scope)\n", to: "demo/breaches/\(scope.id).yaml")
            let record = try register.open(file, now: now)
            let people = try count(configuration, scope.people)
            #expect(record.measurement.people == people, "\(scope.id)")
            #expect(record.measurement.records == (try count(configuration, scope.records)), "\(scope.id)")
            #expect(people > 0 && record.measurement.records > people, "\(scope.id): several rows a person")
            let notification = try register.report(scope.id, phase: .initial, format: .json, to: nil, now: now)
            let affected = (try JSONSerialization.jsonObject(with: Data(contentsOf: notification)) as! [String: Any])["affected"] as! [String: Any]
            #expect(affected["people_approximate"] as? Int == people, "\(scope.id)")
        }
    }

    /// A scope of one linked table gives one count of people wherever it appears: the rows'
    /// addresses lead to customers (one address shared by two customers is two people), and
    /// an address no customer has is one person.
    @Test func aLinkedTableHasOneCountOfPeople() throws {
        let configuration = try workspace.demo()
        let register = try workspace.installation(configuration).breachRegister()
        let file = try workspace.write("id: BR-MARKETING\ntitle: Test\n\(Self.facts)\nscope:\n  - table: marketing_consents\n    all: true\n",
                                       to: "demo/breaches/BR-MARKETING.yaml")
        let record = try register.open(file, now: now)
        let database = try DatabaseQueue(path: workspace.url("demo/store.sqlite").path)
        let expected = try database.writeWithoutTransaction { db -> Int in
            try db.execute(sql: "ATTACH DATABASE ? AS m", arguments: [workspace.url("demo/marketing.sqlite").path])
            return try Int.fetchOne(db, sql: """
                SELECT (SELECT count(DISTINCT c.id) FROM customers c
                        WHERE lower(trim(c.email)) IN (SELECT lower(trim(email)) FROM m.marketing_consents))
                     + (SELECT count(DISTINCT lower(trim(email))) FROM m.marketing_consents
                        WHERE lower(trim(email)) NOT IN (SELECT lower(trim(email)) FROM customers))
                """)!
        }
        #expect(record.measurement.people == expected)
        #expect(record.measurement.tables.map(\.people) == [expected], "the table's count is the scope's")
    }

    /// A letter names the categories of the person's own rows that hold a value, in the
    /// person's language, with their country's authority: someone only in the customers
    /// part of BR-DEMO-001 is not told about health, nor is a ticket holder whose tickets
    /// hold no accessibility need; a Swedish customer's letter is Swedish and names IMY.
    /// Every expectation is computed from the store by SQL.
    @Test func eachLetterNamesThePersonsOwnCategoriesInTheirLanguage() throws {
        let configuration = try workspace.demo()
        let register = try workspace.installation(configuration).breachRegister()
        try register.open(workspace.url("demo/breaches/BR-DEMO-001.yaml"), now: now)
        try register.assess("BR-DEMO-001", risk: .high, reason: nil, now: now)
        _ = try register.notify("BR-DEMO-001", exception: nil, reason: nil, now: now)
        let tickets = "FROM support_tickets WHERE opened_at >= '2020-01-01' AND opened_at < '2020-07-01'"
        let ticketHolders = Set(try workspace.storeRows(configuration, "SELECT DISTINCT customer_id \(tickets)").map { $0[0] })
        let health = Set(try workspace.storeRows(configuration, "SELECT DISTINCT customer_id \(tickets) AND accessibility_needs IS NOT NULL")
            .map { $0[0] })
        let affected = Set(try workspace.storeRows(configuration, """
            SELECT id FROM customers WHERE created_at >= '2019-10-03' AND created_at < '2020-04-02'
            UNION SELECT customer_id \(tickets)
            """).map { $0[0] })
        let country = Dictionary(uniqueKeysWithValues: try workspace.storeRows(configuration, "SELECT id, country FROM customers").map { ($0[0], $0[1]) })
        let lines = try String(contentsOf: workspace.url("demo/outbox/breaches/BR-DEMO-001/letters/letters.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: String] }
        #expect(Set(lines.map { $0["customer_key"]! }) == affected && lines.count == affected.count)
        #expect(!health.isEmpty && health.isStrictSubset(of: ticketHolders) && ticketHolders.isStrictSubset(of: affected))
        #expect(Set(lines.map { country[$0["customer_key"]!] }) == ["NO", "SE"], "both countries are in the scope")
        let phrases = [
            "nb": (health: "helseopplysninger om deg", messages: "meldinger du har sendt oss", contact: "kontaktopplysningene dine"),
            "sv": (health: "uppgifter om din hälsa", messages: "meddelanden du har skickat oss", contact: "dina kontaktuppgifter"),
        ]
        for letter in lines {
            let key = letter["customer_key"]!, body = letter["body"]!
            let swedish = country[key] == "SE"
            let language = swedish ? "sv" : "nb"
            #expect(letter["language"] == language, "\(letter["letter_id"]!)")
            let words = phrases[language]!
            #expect(body.contains(words.health) == health.contains(key), "\(letter["letter_id"]!)")
            #expect(body.contains(words.messages) == ticketHolders.contains(key), "\(letter["letter_id"]!)")
            #expect(body.contains(words.contact))
            // Art. 77(1): the authority where the person lives, beside the lead one.
            #expect(body.contains("Integritetsskyddsmyndigheten (IMY), Box 8114, 104 20 Stockholm, www.imy.se") == swedish)
            #expect(body.contains("Datatilsynet, Postboks 458 Sentrum"))
        }
        // The officer's texts in the reader's language too (the breach file's letters:).
        let norwegian = try #require(lines.first { $0["language"] == "nb" })["body"]!
        #expect(norwegian.contains("Hva vi har gjort\nPartneren slettet filen") && norwegian.contains("Hva vi kommer til å gjøre\nUttrekk av kundeservicedata"))
        let swedish = try #require(lines.first { $0["language"] == "sv" })["body"]!
        #expect(swedish.contains("Vad vi har gjort\nPartnern raderade filen") && !swedish.contains("The partner"))
        // The notification says letters were prepared, not that people were told: dsr sent none.
        let notification = try register.report("BR-DEMO-001", phase: .initial, format: .json, to: nil, now: now)
        let communication = (try JSONSerialization.jsonObject(with: Data(contentsOf: notification)) as! [String: Any])["communication_to_individuals"] as! [String: Any]
        #expect(communication["status"] as? String == "letters-prepared" && communication["letters"] as? Int == affected.count)
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("breach-notification.schema.json"), documents: [notification]) == [])
    }

    /// A breach whose texts are in one language is refused letters for people who need
    /// another (65), naming the language and how many need it, and nothing is written.
    @Test func lettersAreRefusedForALanguageTheBreachHasNoTextsIn() throws {
        let configuration = try workspace.demo()
        let original = try String(contentsOf: workspace.url("demo/breaches/BR-DEMO-001.yaml"), encoding: .utf8)
        let englishOnly = String(original[..<original.range(of: "language: en")!.lowerBound]).replacingOccurrences(of: "id: BR-DEMO-001", with: "id: BR-T-EN")
            + "language: en\nletters:\n  nb: {title: T, description: D, likely_consequences: C, measures_taken: M, measures_proposed: P}\n"
        let file = try workspace.write(englishOnly, to: "demo/breaches/BR-T-EN.yaml")
        let register = try workspace.installation(configuration).breachRegister()
        try register.open(file, now: now)
        try register.assess("BR-T-EN", risk: .high, reason: nil, now: now)
        let swedes = try count(configuration, """
            SELECT count(*) FROM customers WHERE country = 'SE' AND (created_at >= '2019-10-03' AND created_at < '2020-04-02'
              OR id IN (SELECT customer_id FROM support_tickets WHERE opened_at >= '2020-01-01' AND opened_at < '2020-07-01'))
            """)
        do {
            _ = try register.notify("BR-T-EN", exception: nil, reason: nil, now: now)
            Issue.record("letters written without Swedish texts")
        } catch let error as DSRError {
            #expect(error.status == .dataError && error.message.contains("letters are needed in sv (\(swedes) people)"), "\(error.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.url("demo/outbox/breaches/BR-T-EN/letters").path))
    }

    /// A 50 MB identities file is read a block at a time: the process stays small.
    @Test func aLargeIdentitiesFileIsMeasuredInBoundedMemory() throws {
        let configuration = try workspace.demo()
        let file = workspace.url("demo/breaches/many.csv")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        try handle.write(contentsOf: Data("email\n".utf8))
        var block = ""
        for line in 0..<1_000_000 {
            block += line % 1000 == 0 ? "kari.nordmann1@example.no\n" : "someone.else.with.a.long.name\(line)@example.invalid\n"
            if block.utf8.count > 1 << 20 { try handle.write(contentsOf: Data(block.utf8)); block = "" }
        }
        try handle.write(contentsOf: Data(block.utf8))
        try handle.close()
        let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as! Int
        #expect(size > 50_000_000)
        try workspace.write("id: BR-MANY\ntitle: Test\n\(Self.facts)\nscope:\n  - table: orders\n    ids_file: many.csv\n", to: "demo/breaches/BR-MANY.yaml")
        // Python measures the peak memory of exactly this one child process.
        let script = """
            import resource, subprocess, sys
            run = subprocess.run(sys.argv[1:], capture_output=True, text=True)
            print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            sys.stderr.write(run.stdout + run.stderr)
            """
        let measured = try ExternalTools.run(URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", "-c", script, ExternalTools.dsrBinary.path, "breach", "open", workspace.url("demo/breaches/BR-MANY.yaml").path,
            "--json", "--config", configuration.path,
        ])
        let fields = measured.stdout.split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(fields.first == 0, "\(measured.stderr.prefix(500))")
        let peakKB = try #require(fields.last ?? nil)
        print("peak RSS of breach open with a \(size / 1_000_000) MB identities file: \(peakKB / 1024) MB")
        #expect(peakKB < 150 * 1024)
        #expect(measured.stderr.contains("\"identities_listed\" : 1000000") || measured.stderr.contains("\"identities_listed\": 1000000"))
    }

    /// A file that is not an identities CSV is refused by line and column, quoting nothing.
    @Test func anIdentitiesFileThatIsNotOneQuotesNothing() throws {
        let configuration = try workspace.demo()
        try workspace.write("id: BR-ENV\ntitle: Test\n\(Self.facts)\nscope:\n  - table: orders\n    ids_file: /proc/self/environ\n",
                            to: "demo/breaches/BR-ENV.yaml")
        let opened = try ExternalTools.run(ExternalTools.dsrBinary, ["breach", "open", workspace.url("demo/breaches/BR-ENV.yaml").path,
                                                                      "--config", configuration.path],
                                           environment: ["DSR_STORE_PASSWORD": "s3cret-value", "PATH": "/usr/bin:/bin"])
        #expect(opened.status == 65)
        #expect(opened.stderr.contains("environ:1: column 1 of the header is not an identity of the data map"), "\(opened.stderr)")
        #expect(!opened.stderr.contains("s3cret") && !opened.stderr.contains("/usr/bin:/bin"))
    }

    /// Values that a spreadsheet would run as formulas are written as text in every CSV.
    @Test func formulasInCSVOutputsAreNeutralised() throws {
        let configuration = try workspace.demo()
        _ = try workspace.installation(configuration).store().execute([
            SQLStatement(sql: "UPDATE customers SET first_name = '=HYPERLINK(\"http://evil.example\",\"x\")', last_name = '@SUM(A1)' WHERE id = 1"),
        ])
        let register = try workspace.installation(configuration).breachRegister()
        try workspace.write("id: BR-CSV\ntitle: Test\n\(Self.facts)\nscope:\n  - table: customers\n    where: {id: 1}\n", to: "demo/breaches/BR-CSV.yaml")
        try register.open(workspace.url("demo/breaches/BR-CSV.yaml"), now: now)
        try register.assess("BR-CSV", risk: .high, reason: "test", now: now)
        _ = try register.notify("BR-CSV", exception: nil, reason: nil, now: now)
        let letters = try String(contentsOf: workspace.url("demo/outbox/breaches/BR-CSV/letters/letters.csv"), encoding: .utf8)
        #expect(letters.contains(#","'=HYPERLINK(""http://evil.example"",""x"") @SUM(A1)","#), "\(letters)")
        #expect(letters.contains(#","'+4790000001","#), "a phone number is text too")
        #expect(!letters.contains(#","=HYPERLINK"#))

        let eligible = try ExternalTools.dsr(["consent", "eligible", "--channel", "email", "--purpose", "newsletter", "--format", "csv",
                                              "--at", "2026-11-22T10:00:00Z", "--config", configuration.path])
        #expect(eligible.status == 0, "\(eligible.stderr)")
        let row = try #require(eligible.stdout.split(separator: "\r\n").first { $0.hasPrefix("\"1\",") }, "customer 1 may get the newsletter")
        #expect(row.contains(#""'=HYPERLINK"#), "\(row)")
        #expect(!eligible.stdout.contains(#","=HYPERLINK"#))
    }

    /// What the Datatilsynet, IMY and ICO forms ask beyond Art. 33(3) is carried, and the
    /// notification still validates against its schemas.
    @Test func theFormsFieldsAreCarriedAndValidate() throws {
        let configuration = try workspace.demo()
        let folder = configuration.deletingLastPathComponent()
        let config = try String(contentsOf: configuration, encoding: .utf8)
        try config.replacingOccurrences(of: "  name: Demo Shop AS\n", with: "  name: Demo Shop AS\n  organisation_number: \"999 999 999\"\n")
            .write(to: configuration, atomically: true, encoding: .utf8)
        let mapURL = folder.appendingPathComponent("datamap.yaml")
        let map = try String(contentsOf: mapURL, encoding: .utf8)
        try map.replacingOccurrences(of: "customer_no: {category: identification,", with: "customer_no: {category: national-id,")
            .write(to: mapURL, atomically: true, encoding: .utf8)
        let file = try workspace.write("""
            id: BR-FORMS
            title: Customer numbers and passwords leaked
            contact_person: Ola Hansen, IT security, +47 22 00 00 01
            cyber_incident: true
            vulnerable_groups: [children, elderly]
            \(Self.facts)
            scope:
              - table: customers
                columns: [customer_no, email]
                all: true
            """, to: "demo/breaches/BR-FORMS.yaml")
        let register = try workspace.installation(configuration).breachRegister()
        let record = try register.open(file, now: now)
        #expect(record.measurement.categories.contains(.nationalID))
        #expect(record.proposal.reasons.contains("national identity numbers involved (identity theft)"))
        let json = try register.report("BR-FORMS", phase: .initial, format: .json, to: nil, now: now)
        let xml = try register.report("BR-FORMS", phase: .initial, format: .xml, to: nil, now: now)
        #expect(try XMLSchemaValidator(schemaURL: ExternalTools.schema("breach-notification.xsd")).errors(validating: xml) == [])
        #expect(try ExternalTools.jsonSchemaErrors(schema: ExternalTools.schema("breach-notification.schema.json"), documents: [json]) == [])
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as! [String: Any]
        let controller = document["controller"] as! [String: Any]
        #expect(controller["organisation_number"] as? String == "999 999 999")
        #expect(controller["contact_person"] as? String == "Ola Hansen, IT security, +47 22 00 00 01")
        #expect((document["nature"] as! [String: Any])["cyber_incident"] as? Bool == true)
        let affected = document["affected"] as! [String: Any]
        #expect(affected["vulnerable_groups"] as? [String] == ["children", "elderly"])
        #expect((affected["data_categories"] as? [String])?.contains("national-id") == true)
        let text = try String(contentsOf: xml, encoding: .utf8)
        #expect(text.contains("<vulnerableGroups>") && text.contains("<group>children</group>") && text.contains("<cyberIncident>true</cyberIncident>"))
    }

    @Test func aRangeEndThatIsNeitherADateNorANumberIsRefused() throws {
        let configuration = try workspace.demo()
        let register = try workspace.installation(configuration).breachRegister()
        let file = try workspace.write("id: BR-RANGE\ntitle: Test\n\(Self.facts)\nscope:\n  - table: orders\n    where: {ordered_at: {from: last spring}}\n",
                                       to: "demo/breaches/BR-RANGE.yaml")
        let error = #expect(throws: DSRError.self) { try register.open(file, now: now) }
        #expect(error?.message.contains("scope[0].where.ordered_at.from") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("a range end must be a date") == true)
        // A value is checked against the live column's type.
        let typed = try workspace.write("id: BR-TYPE\ntitle: Test\n\(Self.facts)\nscope:\n  - table: orders\n    where: {total_cents: lots}\n",
                                        to: "demo/breaches/BR-TYPE.yaml")
        let typeError = #expect(throws: DSRError.self) { try register.open(typed, now: now) }
        #expect(typeError?.message == "scope[0].where.total_cents: a value does not fit the column's type INTEGER")
    }
}
