import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// The ledger is bound to the HMAC key its references were made with.
@Suite struct KeyBindingTests {
    let workspace: TestWorkspace
    let night = "2026-11-22T01:00:00Z"

    init() throws {
        workspace = try TestWorkspace()
    }

    @Test func anotherKeyStopsEveryCommandThatUsesTheLedger() throws {
        let configuration = try workspace.demo()
        try workspace.runNightly(configuration, at: night)
        let keyFile = workspace.url("demo/secrets/hmac.key")
        let original = try Data(contentsOf: keyFile)
        try FileManager.default.removeItem(at: keyFile)
        try SubjectKeyring.createKeyFile(at: keyFile)
        for command in [["status"], ["run", "nightly"], ["run", "nightly", "--dry-run"], ["consent", "eligible", "--channel", "email", "--purpose", "newsletter"], ["erasure", "reapply"]] {
            let result = try ExternalTools.dsr(command + ["--config", configuration.path])
            #expect(result.status == 78, "\(command)")
            #expect(result.stderr.contains("is not the key this ledger's references were made with"), "\(command): \(result.stderr)")
        }
        // The right key back: everything works again.
        try FileManager.default.removeItem(at: keyFile)
        try DurableFile.write(original, to: keyFile)
        #expect(try ExternalTools.dsr(["status", "--config", configuration.path]).status == 0)
    }

    /// A rotation keeps every lookup of what the ledger holds: the erased person stays off
    /// the marketing list and is erased again in a restored backup, a hold placed before
    /// still stops an erasure after, and new references use the new key.
    @Test func aRotatedKeyKeepsTheErasedErasedAndTheHeldHeld() throws {
        let configuration = try workspace.demo()
        let store = workspace.url("demo/store.sqlite")
        let backup = workspace.url("backup.sqlite")
        #expect(try eligibleCustomers(configuration).contains("530"), "the demo's erasure names someone the newsletter may reach")
        try FileManager.default.copyItem(at: store, to: backup)
        #expect(try dsr(["legal-hold", "place", "--identity", "customer_no=C-000600", "--reason", "case 2026-31"], configuration).status == 0)
        #expect(try workspace.runNightly(configuration, at: night).done["erasure"] == 1)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store.path + suffix) }
        try FileManager.default.copyItem(at: backup, to: store)
        #expect(try !eligibleCustomers(configuration).contains("530"))

        let rotated = try dsr(["key", "rotate", "--new", workspace.url("demo/secrets/hmac-2.key").path], configuration)
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let written = try String(contentsOf: configuration, encoding: .utf8)
        #expect(written.contains("hmac_keys:") && !written.contains("hmac_key_file:"))
        #expect(written.contains("  - \"secrets/hmac-2.key\"\n  - \"secrets/hmac.key\""), "\(written)")
        #expect(try dsr(["key", "rotate", "--new", workspace.url("demo/secrets/hmac-2.key").path], configuration)
            .stdout.contains("already the current key"))
        #expect(try dsr(["audit", "show"], configuration).stdout.contains("key rotated"))

        #expect(try !eligibleCustomers(configuration).contains("530"), "the erased person stays suppressed under the new key")
        let reapplied = try dsr(["erasure", "reapply", "--json"], configuration)
        #expect(reapplied.status == 0, "\(reapplied.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(reapplied.stdout.utf8)) as? [String: Any])
        #expect(report["found"] as? Int == 1 && report["re_erased"] as? Int == 1, "\(report)")

        try workspace.write("""
            id: REQ-HELD
            type: erasure
            received_at: 2026-11-22T10:00:00+01:00
            subject: {customer_no: C-000600}
            verification: {method: bankid, verified_at: 2026-11-22T10:05:00+01:00}
            """, to: "demo/inbox/held.yaml")
        let later = try workspace.runNightly(configuration, at: "2026-11-23T01:00:00Z")
        #expect(later.waiting.map(\.id) == ["REQ-HELD"], "the hold placed with the old key still stands")

        // The old key alone no longer fits: the ledger now holds references of the new one.
        try written.replacingOccurrences(of: "  - \"secrets/hmac-2.key\"\n", with: "").write(to: configuration, atomically: true, encoding: .utf8)
        let withoutNew = try dsr(["status"], configuration)
        #expect(withoutNew.status == 78 && withoutNew.stderr.contains("that hmac_keys does not list"), "\(withoutNew.stderr)")
    }

    private func dsr(_ arguments: [String], _ configuration: URL) throws -> ExternalTools.Output {
        try ExternalTools.dsr(arguments + ["--config", configuration.path])
    }

    /// The customer keys `consent eligible` lists for the newsletter by email.
    private func eligibleCustomers(_ configuration: URL) throws -> Set<String> {
        let result = try dsr(["consent", "eligible", "--channel", "email", "--purpose", "newsletter", "--format", "csv", "--at", night],
                             configuration)
        #expect(result.status == 0, "\(result.stderr)")
        return Set(result.stdout.split(separator: "\r\n").dropFirst().compactMap { row in
            row.split(separator: ",").first.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        })
    }

    /// Kubernetes and Docker mount secrets as links to read-only files: judged by the target.
    @Test func aKeyFileReachedThroughALinkIsJudgedByItsTarget() throws {
        let configuration = try workspace.demo()
        let keyFile = workspace.url("demo/secrets/hmac.key")
        let target = workspace.url("mounted/hmac.key")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: keyFile, to: target)
        chmod(target.path, 0o400)
        try FileManager.default.createSymbolicLink(atPath: keyFile.path, withDestinationPath: target.path)
        #expect(try ExternalTools.dsr(["status", "--config", configuration.path]).status == 0)
        chmod(target.path, 0o644)
        let open = try ExternalTools.dsr(["status", "--config", configuration.path])
        #expect(open.status == 78 && open.stderr.contains("mode 644"), "\(open.stderr)")
    }
}

/// A request file's name may be personal data or hostile: the ledger and its audit trail
/// keep a keyed reference instead, and what is shown is escaped.
@Suite struct FileNameTests {
    @Test func aFileNameNeverReachesTheLedgerOrTheLogs() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo()
        let name = "erasure from Sigrid Nordmann sigrid@example.no\n\u{1B}[31mFORGED.yaml"
        try workspace.write("""
            id: REQ-NAMED
            type: access
            received_at: 2026-11-21T10:00:00+01:00
            subject: {email: kari.nordmann1@example.no}
            verification: {method: bankid, verified_at: 2026-11-21T10:05:00+01:00}
            """, to: "demo/inbox/\(name)")
        // A bad file with such a name is listed in the summary, escaped.
        try workspace.write("not: a request\n", to: "demo/inbox/bad\n\u{1B}[2Jname.yaml")
        try workspace.write("not: a request\n", to: "demo/inbox/complaint from ola.nordmann3@example.no.yaml")
        let log = LogCapture()
        let summary = try workspace.runNightly(configuration, log: log, at: "2026-11-22T01:00:00Z")
        #expect(summary.intake.accepted.contains(name))
        #expect(summary.text.contains("bad\\n\\u{1b}[2Jname.yaml: "), "\(summary.text)")
        #expect(!summary.text.contains("\u{1B}"))
        let ledger = try Data(contentsOf: workspace.url("demo/ledger/ledger.sqlite"))
        let wal = (try? Data(contentsOf: workspace.url("demo/ledger/ledger.sqlite-wal"))) ?? Data()
        for data in [ledger, wal] {
            #expect(data.range(of: Data("Sigrid".utf8)) == nil && data.range(of: Data("sigrid@".utf8)) == nil)
        }
        let trail = try ExternalTools.dsr(["audit", "show", "--config", configuration.path])
        #expect(trail.status == 0 && !trail.stdout.contains("Sigrid") && trail.stdout.contains("request from file-"))
        #expect(!log.text.contains("Sigrid") && !log.text.contains("ola.nordmann3"), "logs name files by reference: \(log.text)")
        #expect(log.text.contains("request file rejected") && log.text.contains("file-"))
        #expect(!log.text.contains("\u{1B}"))
    }

    /// A ledger of an earlier version kept file names in its requests and run summaries: the
    /// first command that opens it with the key replaces them, and the old text is gone
    /// from the file, not only from the rows.
    @Test func namesAnEarlierVersionKeptAreReplacedByReferences() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo()
        try workspace.runNightly(configuration, at: "2026-11-22T01:00:00Z")
        let name = "erasure from Sigrid Nordmann sigrid@example.no.yaml"
        let ledgerURL = workspace.url("demo/ledger/ledger.sqlite")
        let earlier = try DatabaseQueue(path: ledgerURL.path)
        let id = try earlier.write { db in
            try db.execute(sql: "DROP TABLE file_name_pending")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v13 file names to references'")
            let id = try #require(try String.fetchOne(db, sql: "SELECT id FROM request ORDER BY id LIMIT 1"))
            try db.execute(sql: "UPDATE request SET source_file = ? WHERE id = ?", arguments: [name, id])
            let summary = #"{"done":{"access":1},"intake":{"accepted":["\#(name)"],"duplicates":[],"settling":[],"#
                + #""rejected":[{"file":"bad \#(name)","problems":["line 2: type: unknown"]}],"not_taken":[{"kind":"folder","name":"\#(name)"}]}}"#
            try db.execute(sql: "UPDATE run SET summary = ?", arguments: [summary])
            return id
        }
        try earlier.close()

        #expect(try ExternalTools.dsr(["status", "--config", configuration.path]).status == 0)
        let keyring = try workspace.installation(configuration).keyring()
        let ledger = try DatabaseQueue(path: ledgerURL.path)
        try ledger.read { db in
            #expect(try String.fetchOne(db, sql: "SELECT source_file FROM request WHERE id = ?", arguments: [id]) == keyring.fileReference(name))
            let summary = try #require(try String.fetchOne(db, sql: "SELECT summary FROM run ORDER BY id LIMIT 1"))
            #expect(summary.contains(keyring.fileReference(name)) && summary.contains(keyring.fileReference("bad " + name)), "\(summary)")
            #expect(!summary.contains("line 2"))
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM file_name_pending") == 0)
        }
        try ledger.close()
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: ledgerURL.path + suffix))) ?? Data()
            #expect(bytes.range(of: Data("Sigrid".utf8)) == nil, "ledger\(suffix)")
        }
    }
}
