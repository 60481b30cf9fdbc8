import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// Intake: good files move to accepted/, bad ones to rejected/ with an error file; nothing
/// is lost or changed, and taking the same request twice is a no-op.
@Suite struct IntakeTests {
    let workspace: TestWorkspace
    let configuration: URL

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
    }

    var inbox: URL { workspace.url("demo/inbox") }

    /// An `accepted/` or `rejected/` that is a symbolic link stops intake before a file moves
    /// (78): request files never leave the inbox for wherever a link points.
    @Test(arguments: ["accepted", "rejected"])
    func aLinkedInboxFolderIsRefusedAndNothingMoves(_ folder: String) throws {
        // The demo run left the folders; the next night's files wait in the inbox.
        try workspace.runNightly(configuration, at: "2026-11-22T01:00:00Z")
        let elsewhere = workspace.url("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: inbox.appendingPathComponent(folder), to: elsewhere.appendingPathComponent(folder))
        try FileManager.default.createSymbolicLink(at: inbox.appendingPathComponent(folder), withDestinationURL: elsewhere.appendingPathComponent(folder))
        try workspace.dropVerifiedRequest("REQ-LINKED", "access", subject: "customer_no: C-000007")
        try workspace.write("not a request", to: "demo/inbox/bad-linked.yaml")
        let before = try FileManager.default.contentsOfDirectory(atPath: elsewhere.appendingPathComponent(folder).path).sorted()
        let result = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("inbox/\(folder) is a symbolic link, not a folder"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: inbox.appendingPathComponent("REQ-LINKED.yaml").path))
        #expect(FileManager.default.fileExists(atPath: inbox.appendingPathComponent("bad-linked.yaml").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.appendingPathComponent(folder).path).sorted() == before)
    }

    /// Names up to the file system's 255 bytes, Nordic letters and all: a rejected one gets
    /// its error file and a taken one its numbered name, shortened where the suffix would
    /// not fit, and no night stops for it.
    @Test func filesWithNamesOfAnyLegalLengthAreTakenOrRejected() throws {
        try workspace.runNightly(configuration, at: "2026-11-22T01:00:00Z")
        let long = { (length: Int, ext: String) -> String in
            var stem = "førespurnad-"
            while stem.utf8.count + 1 + ext.utf8.count < length { stem += stem.utf8.count + 2 + 1 + ext.utf8.count <= length ? "ø" : "a" }
            return stem + "." + ext
        }
        let rejectedName = long(255, "yaml"), nearName = long(210, "yaml"), acceptedName = long(254, "yaml")
        #expect(rejectedName.utf8.count == 255 && acceptedName.utf8.count == 254)
        try workspace.write("not: a request\n", to: "demo/inbox/\(rejectedName)")
        try workspace.write("not: a request either\n", to: "demo/inbox/\(nearName)")
        // The same name already lies in accepted/: the new one takes a numbered name.
        try workspace.write("earlier", to: "demo/inbox/accepted/\(acceptedName)")
        try workspace.write("""
            id: REQ-LONG
            type: access
            received_at: 2026-11-20T09:15:00+01:00
            subject: {customer_no: C-000007}
            verification: {method: bankid, verified_at: 2026-11-20T09:20:00+01:00}
            """, to: "demo/inbox/\(acceptedName)")
        let summary = try workspace.runNightly(configuration, at: "2026-11-22T02:00:00Z")
        #expect(summary.intake.rejected.map(\.file).sorted() == [nearName, rejectedName].sorted())
        #expect(summary.intake.accepted == [acceptedName])
        let rejected = try FileManager.default.contentsOfDirectory(atPath: inbox.appendingPathComponent("rejected").path)
        for name in rejected { #expect(name.utf8.count <= 255) }
        let errorFiles = rejected.filter { $0.hasSuffix(".error.txt") }
        for file in errorFiles {
            #expect(rejected.contains(String(file.dropLast(".error.txt".count))), "\(file) lies beside its request file")
        }
        #expect(errorFiles.count >= 2)
        #expect(rejected.contains(nearName) && rejected.contains(nearName + ".error.txt"), "a name that fits keeps its name")
        let accepted = try FileManager.default.contentsOfDirectory(atPath: inbox.appendingPathComponent("accepted").path)
        #expect(accepted.filter { $0.hasPrefix("førespurnad-") }.count == 2, "the earlier file and the new one")
        #expect(try String(contentsOf: inbox.appendingPathComponent("accepted/\(acceptedName)"), encoding: .utf8) == "earlier")
        #expect(try FileManager.default.contentsOfDirectory(atPath: inbox.path).allSatisfy { !$0.hasPrefix("førespurnad-") })
        #expect(summary.done["access"] == 1)
    }

    /// A file dated ahead of the machine's clock is taken, not left waiting until that date,
    /// and the summary says so (printed under `--quiet` too).
    @Test func aFileDatedInTheFutureIsTakenAndReported() throws {
        try workspace.runNightly(configuration, at: "2026-11-22T01:00:00Z")
        try workspace.dropVerifiedRequest("REQ-AHEAD", "access", subject: "customer_no: C-000007")
        try FileTimes.setModified(inbox.appendingPathComponent("REQ-AHEAD.yaml"), to: Date(timeIntervalSinceNow: 86_400))
        let summary = try workspace.runNightly(configuration, at: "2026-11-22T02:00:00Z")
        #expect(summary.intake.accepted == ["REQ-AHEAD.yaml"] && summary.intake.futureDated == ["REQ-AHEAD.yaml"])
        #expect(summary.intake.settling.isEmpty)
        #expect(summary.text.contains("1 dated in the future (taken"))
        #expect(summary.needsAttention)
    }

    /// A FIFO or a folder alone in the inbox is a problem someone must look at: exit 1.
    @Test func entriesThatAreNotFilesMakeTheRunExitOne() throws {
        try workspace.runNightly(configuration, at: "2026-11-22T01:00:00Z")
        #expect(mkfifo(inbox.appendingPathComponent("pipe.json").path, 0o600) == 0)
        let summary = try workspace.runNightly(configuration, at: "2026-11-22T02:00:00Z")
        // The demo's two standing reviews aside, the FIFO alone makes the exit 1.
        var alone = summary
        alone.needsReview = []
        #expect(alone.intake.rejected.isEmpty && alone.failed.isEmpty && alone.exitStatus == .attentionNeeded)
        alone.intake.notTaken = []
        #expect(alone.exitStatus == .success)
        #expect(summary.text.contains("pipe.json: FIFO"))
    }

    @Test func everyFileEndsUpAcceptedOrRejectedWithItsBytesIntact() throws {
        try workspace.write("not a request", to: "demo/inbox/notes.txt")
        let before = try workspace.contents(of: inbox)
        try workspace.runNightly(configuration)
        let after = try workspace.contents(of: inbox)
        for (path, data) in before {
            let name = String(path.split(separator: "/").last!)
            let moved = after["/accepted/\(name)"] ?? after["/rejected/\(name)"]
            #expect(moved == data, "\(name)")
        }
        #expect(after.keys.filter { !$0.hasPrefix("/accepted/") && !$0.hasPrefix("/rejected/") } == [])
        let errorFile = try String(contentsOf: inbox.appendingPathComponent("rejected/notes.txt.error.txt"), encoding: .utf8)
        #expect(errorFile.contains("notes.txt: unknown kind of file; request files end in .json, .yaml, .yml, .xml or .csv"))
        let typeError = try String(contentsOf: inbox.appendingPathComponent("rejected/bad-unknown-type.json.error.txt"), encoding: .utf8)
        #expect(typeError.contains("bad-unknown-type.json:3: field 'type': unknown request type"))
    }

    @Test func sameRequestAgainIsANoOp() throws {
        let original = try Data(contentsOf: inbox.appendingPathComponent("REQ-DEMO-0001-access.json"))
        try workspace.runNightly(configuration)
        try original.write(to: inbox.appendingPathComponent("REQ-DEMO-0001-access.json"))
        try workspace.settle("demo/inbox")
        let again = try workspace.runNightly(configuration)
        #expect(again.intake.duplicates == ["REQ-DEMO-0001-access.json"])
        #expect(again.intake.accepted.isEmpty && again.done.isEmpty)
        #expect(FileManager.default.fileExists(atPath: inbox.appendingPathComponent("accepted/REQ-DEMO-0001-access-2.json").path))
        #expect(try Ledger(url: workspace.url("demo/ledger/ledger.sqlite")).requests(id: "REQ-DEMO-0001").count == 1)
    }

    @Test func sameIdWithOtherContentIsRejected() throws {
        try workspace.runNightly(configuration)
        try workspace.write("""
            {"id": "REQ-DEMO-0001", "type": "export", "received_at": "2026-11-20T09:15:00+01:00",
             "subject": {"customer_no": "C-000009"}}
            """, to: "demo/inbox/clash.json")
        let again = try workspace.runNightly(configuration)
        #expect(again.intake.rejected.map(\.file) == ["clash.json"])
        #expect(again.intake.rejected.first?.problems == [
            "clash.json: field 'id': request id 'REQ-DEMO-0001' is already in the ledger with different content"])
        #expect(again.exitStatus == .attentionNeeded)
    }

    @Test func hiddenFilesAndFoldersAreLeftAlone() throws {
        try workspace.write("{}", to: "demo/inbox/.partial-upload.json")
        try workspace.write("{}", to: "demo/inbox/archive/old.json")
        try workspace.runNightly(configuration)
        #expect(FileManager.default.fileExists(atPath: inbox.appendingPathComponent(".partial-upload.json").path))
        #expect(FileManager.default.fileExists(atPath: inbox.appendingPathComponent("archive/old.json").path))
    }
}

/// A run killed at any point is finished by the next one without doing anything twice.
@Suite struct InterruptedRunTests {
    let workspace: TestWorkspace
    let configuration: URL

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
    }

    var outbox: URL { workspace.url("demo/outbox") }

    /// Puts a completed request back to `in-progress`, as a run killed after writing its
    /// answer but before recording it would have left it.
    func markInProgress(_ id: String, payloadFrom file: String) throws {
        var map = try DataMap.load(from: workspace.url("demo/datamap.yaml"))
        map.phoneRegion = "NO"
        let parser = RequestFileParser(map: map, now: Date())
        let request = try parser.parse(try Data(contentsOf: workspace.url("demo/inbox/accepted/\(file)")), file: file).get()[0]
        let payload = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
        try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).write { db in
            try db.execute(sql: "UPDATE request SET state = 'in-progress', payload = ?, completed_at = NULL WHERE id = ?",
                           arguments: [payload, id])
        }
    }

    @Test func answerAlreadyInPlaceIsNotWrittenAgain() throws {
        try workspace.runNightly(configuration)
        try markInProgress("REQ-DEMO-0001", payloadFrom: "REQ-DEMO-0001-access.json")
        let before = try workspace.contents(of: outbox.appendingPathComponent("REQ-DEMO-0001"))
        let summary = try workspace.runNightly(configuration)
        #expect(summary.recovered == 1)
        #expect(summary.done.isEmpty)
        #expect(try workspace.contents(of: outbox.appendingPathComponent("REQ-DEMO-0001")) == before)
        let record = try Ledger(url: workspace.url("demo/ledger/ledger.sqlite")).requests(id: "REQ-DEMO-0001")[0]
        #expect(record.state == .completed && record.payload == nil)
    }

    @Test func answerCutShortIsWrittenAgainWhole() throws {
        try workspace.runNightly(configuration)
        try markInProgress("REQ-DEMO-0001", payloadFrom: "REQ-DEMO-0001-access.json")
        // Killed while writing: the staging folder holds half a file and nothing is in place.
        let expected = try Data(contentsOf: outbox.appendingPathComponent("REQ-DEMO-0001/access-report.xml"))
        try FileManager.default.removeItem(at: outbox.appendingPathComponent("REQ-DEMO-0001"))
        try workspace.write("<?xml version=\"1.0\"?><accessRep", to: "demo/outbox/.staging/REQ-DEMO-0001/access-report.xml")
        let summary = try workspace.runNightly(configuration)
        #expect(summary.done == ["access": 1])
        #expect(Manifest.verified(in: outbox.appendingPathComponent("REQ-DEMO-0001")) != nil)
        #expect(!FileManager.default.fileExists(atPath: outbox.appendingPathComponent(".staging/REQ-DEMO-0001").path))
        let rewritten = try Data(contentsOf: outbox.appendingPathComponent("REQ-DEMO-0001/access-report.xml"))
        #expect(rewritten.count == expected.count)
    }
}
