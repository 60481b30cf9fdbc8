import DSRCore
import DSRKit
import Foundation
import Testing

/// Request files: normalised identities, and every problem named by field and line.
@Suite struct RequestFileParserTests {
    let parser: RequestFileParser

    init() throws {
        let workspace = try TestWorkspace()
        var map = try DataMap.load(from: DemoSetup.resources.appendingPathComponent("datamap.yaml"))
        map.phoneRegion = "NO"
        _ = workspace
        parser = RequestFileParser(map: map, now: Timestamp.parse("2026-11-22T00:00:00Z")!)
    }

    /// The one request of a file, or its problems.
    func parse(_ text: String, file: String = "request.yaml") -> Result<DataSubjectRequest, RequestFileError> {
        parser.parse(Data(text.utf8), file: file).map { $0[0] }
    }

    func problems(_ text: String, file: String = "request.yaml") -> [String] {
        guard case .failure(let error) = parse(text, file: file) else { return [] }
        return error.problems.map(\.description)
    }

    @Test func identitiesAreNormalised() throws {
        let request = try parse("""
            id: R-1
            type: access
            received_at: 2026-11-20T09:15:00+01:00
            subject: {email: "  Kari.Nordmann@Example.NO ", phone: "912 34 567"}
            """).get()
        #expect(request.identities == ["email": "kari.nordmann@example.no", "phone": "+4791234567"])
        #expect(request.formats == [.json, .xml])
        #expect(request.verification == nil)
    }

    @Test func jsonAndYamlGiveTheSameRequest() throws {
        let yaml = try parse("""
            id: R-2
            type: export
            received_at: 2026-11-20T09:15:00+01:00
            subject: {customer_no: C-000002}
            verification: {method: bankid, verified_at: 2026-11-20T09:20:00+01:00}
            formats: [xml]
            """).get()
        let json = try parse("""
            {"id": "R-2", "type": "export", "received_at": "2026-11-20T08:15:00Z", "subject": {"customer_no": "C-000002"},
             "verification": {"method": "bankid", "verified_at": "2026-11-20T08:20:00Z"}, "formats": ["xml"]}
            """, file: "request.json").get()
        #expect(yaml == json)
    }

    @Test func everyProblemIsReportedWithFieldAndLine() {
        let found = problems("""
            id: ../etc
            type: forget-me
            received_at: 2026-11-20 09:15
            subject:
              email: not-an-address
            colour: blue
            """)
        #expect(found == [
            "request.yaml:1: field 'id': must be 1–64 characters of A–Z, a–z, 0–9, '.', '_', '-', starting with a letter or digit",
            "request.yaml:2: field 'type': unknown request type; expected one of access, export, erasure, rectification, restriction, objection, consent-withdrawal",
            "request.yaml:3: field 'received_at': must be an ISO 8601 date and time with a UTC offset, e.g. 2026-11-20T09:15:00+01:00",
            "request.yaml:5: field 'subject.email': is not an email address",
            "request.yaml:6: field 'colour': unknown field",
        ])
    }

    @Test func problemsNeverQuoteTheValues() {
        let text = problems("""
            id: R-3
            type: access
            received_at: 2026-11-20T09:15:00+01:00
            subject: {email: "kari at example", phone: "call me maybe", passport: "NO1234567"}
            """).joined(separator: "\n")
        #expect(!text.isEmpty)
        for secret in ["kari at example", "call me maybe", "NO1234567"] { #expect(!text.contains(secret)) }
    }

    @Test func malformedFilesAreRefused() {
        #expect(problems("id: [unclosed\n") == ["request.yaml:2: syntax error: did not find expected ',' or ']' (while parsing a flow sequence that starts on line 1)"])
        #expect(problems("{\"id\": \"R-4\",\n \"type\": 'access'}", file: "request.json") == ["request.json:2: not valid JSON"])
        #expect(problems("id: a\nid: b\n").first?.contains("duplicate key") == true)
        #expect(problems("") == ["request.yaml: file is empty"])
        #expect(parser.parse(Data([0xFF, 0xFE, 0x00]), file: "bad.yaml").failureProblems == ["bad.yaml: file is not valid UTF-8 text"])
        #expect(parser.parse(Data(count: DocumentNode.maximumSize + 1), file: "big.yaml").failureProblems.first?.contains("larger than") == true)
    }

    @Test func futureReceiptAndMissingFieldsAreRefused() {
        #expect(problems("""
            id: R-5
            type: access
            received_at: 2027-01-01T00:00:00+01:00
            subject: {customer_no: C-1}
            """) == ["request.yaml:3: field 'received_at': is in the future"])
        #expect(problems("id: R-6\ntype: access\n").sorted() == [
            "request.yaml:1: field 'received_at': is required", "request.yaml:1: field 'subject': is required"])
    }

    @Test func rectificationNeedsChangesAndOnlyItMayHaveThem() {
        let base = "id: R-7\nreceived_at: 2026-11-20T09:15:00+01:00\nsubject: {customer_no: C-1}\n"
        #expect(problems(base + "type: rectification\n") == ["request.yaml:4: field 'type': a rectification needs 'changes'"])
        #expect(problems(base + "type: access\nchanges: {customers.city: Oslo}\n") == ["request.yaml:4: field 'type': 'changes' belongs only to a rectification"])
    }
}

extension Result where Success == [DataSubjectRequest], Failure == RequestFileError {
    var failureProblems: [String] {
        if case .failure(let error) = self { return error.problems.map(\.description) }
        return []
    }
}

extension Result where Success == DataSubjectRequest, Failure == RequestFileError {
    var failureProblems: [String] {
        if case .failure(let error) = self { return error.problems.map(\.description) }
        return []
    }
}

/// Identity normalisation and the Art. 12(3) one-month rule.
@Suite struct NormalisationAndDueDateTests {
    @Test(arguments: [
        ("+47 912 34 567", "NO", "+4791234567"), ("0047 91234567", nil, "+4791234567"), ("91234567", "NO", "+4791234567"),
        ("070-123 45 67", "SE", "+46701234567"), ("(0)20 7946 0958", "GB", "+442079460958"),
    ] as [(String, String?, String)])
    func phoneNumbersBecomeE164(input: String, region: String?, expected: String) {
        #expect(PhoneNumber.e164(input, defaultRegion: region) == expected)
    }

    @Test func impossiblePhoneNumbersAreRefused() {
        #expect(PhoneNumber.e164("91234567", defaultRegion: nil) == nil)
        #expect(PhoneNumber.e164("+47 123", defaultRegion: nil) == nil)
        #expect(PhoneNumber.e164("+47 9123 abc", defaultRegion: nil) == nil)
    }

    @Test(arguments: [
        ("2026-03-05T12:00:00+01:00", "2026-04-05"), ("2026-01-31T12:00:00+01:00", "2026-02-28"),
        ("2028-01-31T12:00:00+01:00", "2028-02-29"), ("2026-08-31T12:00:00+02:00", "2026-09-30"),
        ("2026-12-15T12:00:00+01:00", "2027-01-15"),
        // 23:30 UTC on 31 October is already 1 November in Oslo.
        ("2026-10-31T23:30:00Z", "2026-12-01"),
    ])
    func dueOneCalendarMonthAfterReceipt(received: String, due: String) {
        #expect(RequestDeadline(receivedAt: Timestamp.parse(received)!, in: TimeZone(identifier: "Europe/Oslo")!).baseDate.description == due)
    }
}
