import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// The same request in every intake format gives the same ledger entry; a corpus of bad
/// files is rejected, each with its reason, and kept.
@Suite struct IntakeFormatTests {
    let workspace: TestWorkspace
    let configuration: URL

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
        for name in try FileManager.default.contentsOfDirectory(atPath: workspace.url("demo/inbox").path) {
            try FileManager.default.removeItem(at: workspace.url("demo/inbox/\(name)"))
        }
    }

    /// One request as each format writes it; OpenDSR has no verification or formats.
    static let formats: [(file: String, text: String)] = [
        ("r.yaml", """
            id: SAME-1
            type: access
            received_at: 2026-11-20T09:15:00+01:00
            subject: {email: Kari.Nordmann1@example.no}
            language: sv
            """),
        ("r.json", #"{"id": "SAME-1", "type": "access", "received_at": "2026-11-20T08:15:00Z", "subject": {"email": "kari.nordmann1@example.no"}, "language": "sv"}"#),
        ("r.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <request xmlns="urn:dsr:request:1">
              <id>SAME-1</id>
              <type>access</type>
              <receivedAt>2026-11-20T09:15:00+01:00</receivedAt>
              <subject><identity name="email"> kari.nordmann1@example.no </identity></subject>
              <language>sv</language>
            </request>
            """),
        ("r.csv", "id,type,received_at,subject.email,language\nSAME-1,access,2026-11-20T09:15:00+01:00,kari.nordmann1@example.no,sv\n"),
        ("opendsr.json", """
            {"api_version": "2.0", "subject_request_id": "SAME-1", "subject_request_type": "access",
             "submitted_time": "2026-11-20T08:15:00Z",
             "subject_identities": [{"identity_type": "email", "identity_value": "kari.nordmann1@example.no", "identity_format": "raw"}]}
            """),
    ]

    @Test(arguments: formats.map(\.file))
    func everyFormatGivesTheSameLedgerEntry(file: String) throws {
        let text = Self.formats.first { $0.file == file }!.text
        try workspace.write(text, to: "demo/inbox/\(file)")
        let summary = try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        #expect(summary.intake.accepted == [file], "\(summary.intake.rejected)")
        let record = try #require(try Ledger(url: workspace.url("demo/ledger/ledger.sqlite")).requests(id: "SAME-1").first)
        #expect(record.type == .access && record.state == .awaitingVerification)
        #expect(record.receivedAt == Timestamp.parse("2026-11-20T08:15:00Z"))
        #expect(record.dueDate == "2026-12-21")
        #expect(try record.request()?.identities == ["email": "kari.nordmann1@example.no"])
        // The letter's language, in every format that can carry one (OpenDSR has no field for it).
        #expect(record.language == (file == "opendsr.json" ? nil : .sv))
    }

    @Test func csvCarriesManyRequestsAndNestedFields() throws {
        try workspace.write("""
            id,type,received_at,subject.email,subject.customer_no,verification.method,verification.verified_at,formats,note
            B-1,access,2026-11-20T09:15:00+01:00,kari.nordmann1@example.no,,bankid,2026-11-20T09:20:00+01:00,json|xml,"said ""hi"", twice"
            B-2,export,2026-11-20T09:16:00+01:00,,C-000002,bankid,2026-11-20T09:21:00+01:00,xml,

            """, to: "demo/inbox/bulk.csv")
        let summary = try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        #expect(summary.done == ["access": 1, "export": 1])
        let export = try Ledger(url: workspace.url("demo/ledger/ledger.sqlite")).requests(id: "B-2")[0]
        #expect(export.state == .completed)
        #expect(FileManager.default.fileExists(atPath: workspace.url("demo/outbox/B-2/portability-export.xml").path))
        #expect(!FileManager.default.fileExists(atPath: workspace.url("demo/outbox/B-2/portability-export.json").path))
    }

    /// Each bad file, and what its error file must say.
    static let corpus: [(file: String, text: String?, reason: String)] = [
        ("truncated.json", #"{"id": "T-1", "type": "access", "received_"#, "not valid JSON"),
        ("latin1.yaml", nil, "file is not valid UTF-8 text"),
        ("xxe.xml", """
            <?xml version="1.0"?>
            <!DOCTYPE request [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
            <request><id>X-1</id><type>access</type><receivedAt>2026-11-20T09:15:00+01:00</receivedAt>
            <subject><identity name="email">&secret;</identity></subject></request>
            """, "DOCTYPE declarations are not allowed"),
        ("laughs.xml", """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
            <request><id>&lol3;</id></request>
            """, "not well-formed XML: an entity reference loops"),
        ("laughs.yaml", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            + "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
         "laughs.yaml: the document holds more than 100000 values"),
        ("huge.json", nil, "file is larger than"),
        ("escape.yaml", "id: ../../etc/passwd\ntype: access\nreceived_at: 2026-11-20T09:15:00+01:00\nsubject: {email: a@example.no}\n",
         "field 'id': must be 1–64 characters"),
        ("injection.yaml", "id: SQL-1\ntype: access\nreceived_at: 2026-11-20T09:15:00+01:00\nsubject: {email: \"x' OR '1'='1\"}\n",
         "field 'subject.email': is not an email address"),
        ("twice.csv", "id,type,received_at,subject.email\nD-1,access,2026-11-20T09:15:00+01:00,a@example.no\nD-1,access,2026-11-20T09:15:00+01:00,b@example.no\n",
         "twice.csv:3: field 'id': request id 'D-1' appears twice in this file (first on line 2)"),
        ("broken.xml", "<request><id>B-1</id><type>access</type>", "not well-formed XML"),
        ("hashed.json", """
            {"subject_request_id": "H-1", "subject_request_type": "erasure", "submitted_time": "2026-11-20T08:15:00Z",
             "subject_identities": [{"identity_type": "email", "identity_value": "0f0e", "identity_format": "sha256"}]}
            """, "hashed identities cannot be matched"),
    ]

    @Test func badFilesAreRejectedWithTheirReasonAndKept() throws {
        var originals: [String: Data] = [:]
        for (file, text, _) in Self.corpus {
            let data: Data
            switch file {
            case "latin1.yaml": data = "id: L-1\nnote: Bj\u{F6}rn\n".data(using: .isoLatin1)!
            case "huge.json": data = Data(repeating: UInt8(ascii: " "), count: 100 * 1024 * 1024)
            default: data = Data(text!.utf8)
            }
            let url = workspace.url("demo/inbox/\(file)")
            try data.write(to: url)
            try FileTimes.setModified(url, to: Date(timeIntervalSinceNow: -60))
            originals[file] = data
        }
        let summary = try workspace.runNightly(configuration)
        #expect(Set(summary.intake.rejected.map(\.file)) == Set(Self.corpus.map(\.file)))
        #expect(summary.intake.accepted.isEmpty)
        for (file, _, reason) in Self.corpus {
            let errorText = try String(contentsOf: workspace.url("demo/inbox/rejected/\(file).error.txt"), encoding: .utf8)
            #expect(errorText.contains(reason), "\(file): \(errorText)")
            #expect(try Data(contentsOf: workspace.url("demo/inbox/rejected/\(file)")) == originals[file], "\(file)")
        }
        let passwd = try String(contentsOf: workspace.url("demo/inbox/rejected/xxe.xml.error.txt"), encoding: .utf8)
        #expect(!passwd.contains("root:"))
    }

    @Test func sqlInAnExactIdentityIsOnlyAValue() throws {
        try workspace.write("""
            id: SQL-2
            type: erasure
            received_at: 2026-11-20T09:15:00+01:00
            subject: {customer_no: "C-1'; DROP TABLE customers; --"}
            verification: {method: bankid, verified_at: 2026-11-20T09:16:00+01:00}
            """, to: "demo/inbox/sql.yaml")
        let summary = try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        #expect(summary.done == ["erasure": 1] && summary.noDataHeld == 1)
        let customers = try DatabaseQueue(path: workspace.url("demo/store.sqlite").path).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM customers")
        }
        #expect(customers == DemoShop.minimumCustomerCount)
    }

    @Test func aFileStillBeingWrittenWaitsForTheNextRun() throws {
        let url = workspace.url("demo/inbox/fresh.yaml")
        try Data(Self.formats[0].text.utf8).write(to: url)
        // Just now on the clock dsr reads (under faketime the file system's is another).
        try FileTimes.setModified(url, to: Date())
        let first = try workspace.runNightly(configuration)
        #expect(first.intake.settling == ["fresh.yaml"] && first.intake.accepted.isEmpty)
        #expect(FileManager.default.fileExists(atPath: url.path))
        try workspace.settle("demo/inbox")
        #expect(try workspace.runNightly(configuration).intake.accepted == ["fresh.yaml"])
    }

    @Test func submitRecordsFilesWhereTheyAre() throws {
        let good = try workspace.write(Self.formats[3].text, to: "elsewhere/good.csv")
        let bad = try workspace.write("id: x\n", to: "elsewhere/bad.yaml")
        let output = try ExternalTools.dsr(["submit", good.path, bad.path, "--config", configuration.path])
        #expect(output.status == 65)
        #expect(output.stdout.contains("good.csv: recorded SAME-1"))
        #expect(output.stderr.contains("bad.yaml:1: field 'type': is required"))
        #expect(FileManager.default.fileExists(atPath: good.path) && FileManager.default.fileExists(atPath: bad.path))
        let again = try ExternalTools.dsr(["submit", good.path, "--config", configuration.path])
        #expect(again.status == 0)
        #expect(try Ledger(url: workspace.url("demo/ledger/ledger.sqlite")).requests(id: "SAME-1").count == 1)
    }
}

/// Jobs: the built-in ones match the files in jobs/, and hourly takes the inbox only.
@Suite struct JobTests {
    @Test func builtInJobsAreTheJobFiles() throws {
        let workspace = try TestWorkspace()
        let configuration = try DSRKit.Configuration.load(from: try workspace.demo())
        for (name, job) in Job.builtIn {
            let file = ExternalTools.packageRoot.appendingPathComponent("jobs/\(name).yaml")
            let parsed = try Job.resolve(file.path, configuration: configuration)
            #expect(parsed.steps == job.steps, "jobs/\(name).yaml")
        }
    }

    @Test func hourlyTakesTheInboxAndAnswersNothing() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo()
        let output = try ExternalTools.dsr(["run", "hourly", "--json", "--config", configuration.path])
        #expect(output.status == 1)  // the sample inbox has bad files on purpose
        let summary = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as! [String: Any]
        #expect((summary["intake"] as! [String: Any])["accepted"] as? [String] != [])
        #expect((summary["done"] as! [String: Int]).isEmpty)
        #expect(summary["deadlines"] != nil)
        #expect(!FileManager.default.fileExists(atPath: workspace.url("demo/outbox").path))
    }

    @Test func jobFilesNameKnownSteps() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo()
        try workspace.write("steps: [intake, dance]\n", to: "demo/jobs/odd.yaml")
        let output = try ExternalTools.dsr(["run", "odd", "--config", configuration.path])
        #expect(output.status == 78 && output.stderr.contains("odd.yaml:1: field 'steps[1]': unknown step"))
    }
}
