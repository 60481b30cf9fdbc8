import DSRKit
import Foundation
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
        for command in [["status"], ["run", "nightly"], ["consent", "eligible", "--channel", "email", "--purpose", "newsletter"], ["erasure", "reapply"]] {
            let result = try ExternalTools.dsr(command + ["--config", configuration.path])
            #expect(result.status == 78, "\(command)")
            #expect(result.stderr.contains("is not the key this ledger's references were made with"), "\(command): \(result.stderr)")
        }
        // The right key back: everything works again.
        try FileManager.default.removeItem(at: keyFile)
        try DurableFile.write(original, to: keyFile)
        #expect(try ExternalTools.dsr(["status", "--config", configuration.path]).status == 0)
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
        #expect(!log.text.contains("Sigrid Nordmann sigrid@example.no\n"))
        #expect(!log.text.contains("\u{1B}"))
    }
}
