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
