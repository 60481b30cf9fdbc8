@testable import DSRKit
import DSRCore
import Foundation
import GRDB
import Testing

/// People are found by the identities their stores really hold: phones in any spelling a
/// person types (in the row's own country), addresses with spaces and a root dot, national
/// identity numbers with and without separators and centuries. The messy-identities fixture
/// (`fixtures/messy-identities`) is applied on top of the demo shop; `cases.csv` says whom
/// each request, written as a person writes it, must find.
@Suite struct MessyIdentityTests {
    let workspace: TestWorkspace
    /// The demo samples' times are from 21 November 2026.
    let night = "2026-11-22T01:00:00Z"
    static let fixture = ExternalTools.packageRoot.appendingPathComponent("fixtures/messy-identities")

    struct Case {
        var name: String
        var identity: String
        var asked: String
        var customer: Int?
    }

    static func cases() throws -> [Case] {
        let text = try String(contentsOf: fixture.appendingPathComponent("cases.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Case(name: fields[0], identity: fields[1], asked: fields[2], customer: Int(fields[3]))
        }
    }

    init() throws {
        workspace = try TestWorkspace()
    }

    /// The demo on `kind` with the fixture's identities, and the national identity numbers
    /// in the data map.
    func messyDemo(on kind: StoreKind, after extra: String = "") throws -> URL {
        let configuration = try workspace.demo(on: kind) { db in
            try db.execute(sql: String(contentsOf: Self.fixture.appendingPathComponent("store.sql"), encoding: .utf8))
            if !extra.isEmpty { try db.execute(sql: extra) }
        }
        let mapURL = configuration.deletingLastPathComponent().appendingPathComponent("datamap.yaml")
        var map = try String(contentsOf: mapURL, encoding: .utf8)
        map = map.replacingOccurrences(of: "  customer_no: {column: customers.customer_no, normalize: exact}\n", with: """
              customer_no: {column: customers.customer_no, normalize: exact}
              fodselsnummer: {column: customers.national_id, normalize: fodselsnummer}
              personnummer: {column: customers.national_id, normalize: personnummer}

            """)
        map = map.replacingOccurrences(of: "      created_at:  {category: technical", with: """
                  national_id: {category: identification, provided: true, erasure: "null", label: {nb: Fødselsnummer, sv: Personnummer, en: National identity number}}
                  created_at:  {category: technical
            """)
        try Data(map.utf8).write(to: mapURL)
        return configuration
    }

    func request(_ id: String, _ type: String, _ identity: String, _ value: String) throws {
        let escaped = value.unicodeScalars.map { $0.isASCII ? String($0) : String(format: "\\u%04x", $0.value) }.joined()
        try workspace.write("""
            {"id": "\(id)", "type": "\(type)", "received_at": "2026-11-21T10:00:00+01:00",
             "subject": {"\(identity)": "\(escaped)"},
             "verification": {"method": "bankid", "verified_at": "2026-11-21T10:05:00+01:00"}}
            """, to: "demo/inbox/\(id).json")
    }

    @Test(arguments: StoreKind.allCases)
    func everyStoredSpellingIsFoundAndNoOtherPerson(_ kind: StoreKind) throws {
        let configuration = try messyDemo(on: kind)
        let cases = try Self.cases()
        #expect(cases.filter { $0.identity == "phone" && $0.customer.map { $0 % 2 == 1 } == true }.count >= 5, "five Norwegian spellings")
        #expect(cases.filter { $0.identity == "phone" && $0.customer.map { $0 % 2 == 0 } == true }.count >= 5, "five Swedish spellings")
        for (index, test) in cases.enumerated() {
            try request(String(format: "REQ-MESSY-%02d", index), "access", test.identity, test.asked)
        }
        let summary = try workspace.runNightly(configuration, at: night)
        let ours = (summary.failed + summary.needsReview).filter { $0.id.hasPrefix("REQ-MESSY") }
        #expect(ours.isEmpty, "\(ours)")
        #expect(summary.intake.rejected.allSatisfy { $0.file.hasPrefix("bad-") }, "\(summary.intake.rejected)")

        let outbox = configuration.deletingLastPathComponent().appendingPathComponent("outbox")
        // Two spellings of one person's number are one person's two requests of the night:
        // answered once, in the first one's answer.
        var firstRequest: [Int: String] = [:]
        for (index, test) in cases.enumerated() {
            let id = String(format: "REQ-MESSY-%02d", index)
            if let customer = test.customer, let first = firstRequest[customer] {
                let request = try AnswerDocuments.json(outbox, first, .accessReport)["request"] as? [String: Any]
                #expect((request?["also_answers"] as? [String])?.contains(id) == true, "\(test.name) on \(kind)")
                continue
            }
            if let customer = test.customer { firstRequest[customer] = id }
            let answer = try AnswerDocuments.json(outbox, id, .accessReport)
            let found = AnswerDocuments.rowsByTable(answer)["customers"]?.compactMap { $0["id"] } ?? []
            #expect(found == (test.customer.map { ["number:\($0)"] } ?? []), "\(test.name) on \(kind)")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func erasureByPhoneErasesThePersonAsStored(_ kind: StoreKind) throws {
        let configuration = try messyDemo(on: kind)
        try request("REQ-ERASE-NO", "erasure", "phone", "+47 22 00 01 05")
        try request("REQ-ERASE-SE", "erasure", "phone", "+46 921 12 34 65")
        try request("REQ-ERASE-NONE", "erasure", "phone", "+4722000116")
        try workspace.runNightly(configuration, at: night)
        let rows = try workspace.storeRows(configuration, "SELECT id, coalesce(phone, '-'), first_name FROM customers WHERE id IN (102, 105, 116) ORDER BY id")
        #expect(rows == [["102", "-", "erased"], ["105", "-", "erased"], ["116", "22 00 01 16", "Märta"]])
        let letter = try String(contentsOf: configuration.deletingLastPathComponent().appendingPathComponent("outbox/REQ-ERASE-NONE/letter.txt"), encoding: .utf8)
        #expect(!letter.isEmpty)
    }

    @Test func theCheckReportsUnreadableNumbersAndProposesTheLayoutsItMisses() throws {
        // Dots between pairs: a layout dsr does not know until the map names it.
        let configuration = try messyDemo(on: .sqlite, after: "UPDATE customers SET phone = '22.00.01.19' WHERE id = 119;")
        let check = try workspace.installation(configuration).checkDataMap()
        let phone = check.warnings.filter { $0.field == "identities.phone" }.map(\.message)
        #expect(phone.contains { $0.contains(/^1 of \d+ values read from 'customers.phone' are not phone numbers dsr can read/) }, "\(phone)")
        #expect(phone.contains { $0.contains(/^1 of \d+ values read from 'customers.phone' are written in layouts dsr does not look up/) && $0.hasSuffix("layouts: ['##.##.##.##']") }, "\(phone)")
        #expect(!phone.joined().contains("22"), "no stored digit in a finding")

        try request("REQ-DOTS-BEFORE", "access", "phone", "22000119")
        try workspace.runNightly(configuration, at: night)
        let outbox = configuration.deletingLastPathComponent().appendingPathComponent("outbox")
        #expect(AnswerDocuments.rowsByTable(try AnswerDocuments.json(outbox, "REQ-DOTS-BEFORE", .accessReport))["customers"]?.isEmpty != false)

        let mapURL = configuration.deletingLastPathComponent().appendingPathComponent("datamap.yaml")
        let map = try String(contentsOf: mapURL, encoding: .utf8).replacingOccurrences(
            of: "normalize: phone, rectifiable: true}", with: "normalize: phone, rectifiable: true, layouts: ['##.##.##.##']}")
        try Data(map.utf8).write(to: mapURL)
        #expect(try workspace.installation(configuration).checkDataMap().warnings.filter { $0.message.contains("layouts dsr does not look up") }.isEmpty)
        try request("REQ-DOTS-AFTER", "access", "phone", "+47 22 00 01 19")
        try workspace.runNightly(configuration, at: "2026-11-23T01:00:00Z")
        let found = AnswerDocuments.rowsByTable(try AnswerDocuments.json(outbox, "REQ-DOTS-AFTER", .accessReport))["customers"]
        #expect(found?.map { $0["id"] } == ["number:119"])
    }

    @Test func aSpellingIsNeverOneOfAnotherNumber() {
        for number in ["+4722000101", "+4791234109", "+46921123465", "+46812345678", "+46701234567", "+4930123456", "+12125550123"] {
            let spellings = PhoneSpellings.of(number, layouts: ["##.##.##.##", "+## (#)## ### ## ##"])
            #expect(spellings.first == number)
            #expect(spellings.count > 20, "\(number): \(spellings.count) spellings")
            #expect(spellings.count < 200, "\(number): \(spellings.count) spellings")
            for spelling in spellings {
                let region = PhoneNumber.parts(ofE164: number)!.region
                #expect(PhoneNumber.e164(spelling, defaultRegion: region) == number, "\(spelling) is \(number)")
            }
        }
        #expect(PhoneSpellings.of("+4722000101", layouts: []).contains("22 00 01 01"))
        #expect(PhoneSpellings.of("+46921123465", layouts: []).contains("0921-12 34 65"))
        #expect(PhoneSpellings.of("+46701234568", layouts: []).contains("+46 (0)70 123 45 68"))
        #expect(PhoneSpellings.layout(of: " +47 22 00 01 01") == "+## ## ## ## ##")
    }

    @Test func nationalIdentityNumbersAreCheckedAndTheFieldNamed() throws {
        let today = CalendarDay(year: 2026, month: 11, day: 22)
        let read = { (kind: IdentityNormalization, text: String) in try? kind.normalize(text, defaultPhoneRegion: "NO", today: today).get() }
        #expect(read(.fodselsnummer, "010190 12480") == "01019012480")
        #expect(read(.fodselsnummer, "410190-12393") == "41019012393")
        #expect(read(.fodselsnummer, "01019012481") == nil, "a wrong second check digit")
        #expect(read(.fodselsnummer, "0101901248") == nil)
        #expect(read(.personnummer, "900101-1239") == "199001011239")
        #expect(read(.personnummer, "200505+1236") == "192005051236", "+: a hundred years or more")
        #expect(read(.personnummer, "200505-1236") == "202005051236", "-: younger than a hundred")
        #expect(read(.personnummer, "19900161-1236") == "199001611236", "a samordningsnummer: day + 60")
        #expect(read(.personnummer, "900101-1238") == nil, "a wrong check digit")
        #expect(read(.personnummer, "19900101+1239") == nil, "+ only in the ten-digit form")

        let configuration = try messyDemo(on: .sqlite)
        try request("REQ-BAD-FNR", "access", "fodselsnummer", "01019012481")
        let summary = try workspace.runNightly(configuration, at: night)
        let rejected = try #require(summary.intake.rejected.first { $0.file == "REQ-BAD-FNR.json" })
        let problems = rejected.problems.joined(separator: "\n")
        #expect(problems.contains("subject.fodselsnummer"), "\(problems)")
        #expect(problems.contains("check digits are wrong"))
        #expect(!problems.contains("0101901248"), "the value is never quoted")
    }
}
