@testable import DSRKit
import DSRCore
import Foundation
import GRDB
import Logging
import Testing

/// A full disk is the machine's fault, never the request's: the run stops with 74, nothing
/// is rejected, no attempt is used, and the run after the fix finishes every request once.
/// The disks are small tmpfs folders the tests mount (as root, as `Tests/run` runs in CI).
@Suite(.serialized, .enabled(if: SmallDisk.canMount, "mounting a small filesystem needs root (run Tests/run as root, as CI does)"))
struct MachineFaultTests {
    let workspace: TestWorkspace
    let night = "2026-11-22T01:00:00Z"

    init() throws {
        workspace = try TestWorkspace()
    }

    func states(_ configuration: URL) throws -> [String: (state: String, attempts: Int)] {
        let ledger = try workspace.installation(configuration).ledger()
        return Dictionary(uniqueKeysWithValues: try ledger.requests().map { ($0.id, ($0.state.rawValue, $0.attempts)) })
    }

    @Test func aFullOutboxStopsTheRunAndTheNextRunFinishesIt() throws {
        let configuration = try workspace.demo()
        let disk = try SmallDisk(at: workspace.url("small"), kilobytes: 24)
        defer { disk.unmount() }
        let text = try String(contentsOf: configuration, encoding: .utf8)
        try text.replacingOccurrences(of: "outbox: outbox", with: "outbox: \(disk.folder.path)/outbox").write(to: configuration, atomically: true, encoding: .utf8)

        let error = #expect(throws: DSRError.self) { try workspace.runNightly(configuration, at: night) }
        #expect(error?.status == .ioError && error?.isMachineFault == true)
        #expect(error?.message.contains("wait untouched") == true, "\(error?.message ?? "")")
        let stopped = try states(configuration)
        #expect(!stopped.values.contains { $0.state == "failed" || $0.attempts > 0 }, "\(stopped)")
        #expect(stopped.values.filter { $0.state == "needs-review" }.count == 2)  // the demo's two ambiguous requests only

        try disk.grow(kilobytes: 20 * 1024)
        let summary = try workspace.runNightly(configuration, at: "2026-11-22T02:00:00Z")
        #expect(summary.failed.isEmpty)
        let finished = try states(configuration)
        #expect(finished.values.filter { $0.state == "completed" }.count == 7, "\(finished)")
        for (id, state) in finished where state.state == "completed" {
            #expect(FileManager.default.fileExists(atPath: disk.folder.appendingPathComponent("outbox/\(id)/manifest.json").path), "\(id)")
        }
        let again = try workspace.runNightly(configuration, at: "2026-11-22T03:00:00Z")
        #expect(again.done.isEmpty)
    }

    @Test func aFullLedgerDuringIntakeRejectsNothing() throws {
        let configuration = try workspace.demo()
        for number in 1...300 {
            try workspace.write("""
                id: BULK-\(number)
                type: access
                received_at: 2026-11-21T10:00:00+01:00
                subject: {customer_no: C-\(String(format: "%06d", 100 + number))}
                verification: {method: bankid, verified_at: 2026-11-21T10:05:00+01:00}
                note: \(String(repeating: "A request with a long note to fill the ledger. ", count: 20))
                """, to: "demo/inbox/BULK-\(number).yaml")
        }
        let disk = try SmallDisk(at: workspace.url("small"), kilobytes: 320)
        defer { disk.unmount() }
        let text = try String(contentsOf: configuration, encoding: .utf8)
        try text.replacingOccurrences(of: "ledger: ledger/ledger.sqlite", with: "ledger: \(disk.folder.path)/ledger.sqlite")
            .write(to: configuration, atomically: true, encoding: .utf8)

        let error = #expect(throws: DSRError.self) { try workspace.runNightly(configuration, at: night) }
        #expect(error?.status == .ioError && error?.isMachineFault == true, "\(error?.message ?? "")")
        let rejected = (try? FileManager.default.contentsOfDirectory(atPath: workspace.url("demo/inbox/rejected").path)) ?? []
        #expect(!rejected.contains { $0.hasPrefix("BULK-") }, "no valid file is rejected for a full disk")

        try disk.grow(kilobytes: 20 * 1024)
        let summary = try workspace.runNightly(configuration, at: "2026-11-22T02:00:00Z")
        let accepted = try FileManager.default.contentsOfDirectory(atPath: workspace.url("demo/inbox/accepted").path)
        #expect(accepted.filter { $0.hasPrefix("BULK-") }.count == 300)
        #expect(summary.intake.rejected.allSatisfy { !$0.file.hasPrefix("BULK-") })
        let finished = try states(configuration)
        #expect((1...300).allSatisfy { finished["BULK-\($0)"]?.state == "completed" })
    }

    /// An error nothing expected (here a ledger row dsr cannot read) exits 70, not 1.
    @Test func anUnexpectedErrorExitsSeventy() throws {
        let configuration = try workspace.demo()
        try workspace.runNightly(configuration, at: night)
        try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).write { db in
            try db.execute(sql: "UPDATE request SET state = 'no-such-state' WHERE id = 'REQ-DEMO-0001'")
        }
        let status = try ExternalTools.dsr(["status", "--config", configuration.path])
        #expect(status.status == 70, "\(status.stderr)")
        #expect(status.stderr.contains("dsr status: unexpected error"))
    }
}

/// A tmpfs folder of a given size, for tests of a full disk.
struct SmallDisk {
    let folder: URL

    static let canMount: Bool = {
        guard getuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("dsr-mount-probe-\(UUID().uuidString)")
        guard let disk = try? SmallDisk(at: probe, kilobytes: 64) else { return false }
        disk.unmount()
        return true
    }()

    init(at folder: URL, kilobytes: Int) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let mounted = try ExternalTools.run(URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", folder.path])
        guard mounted.status == 0 else { throw DSRError(.ioError, "cannot mount a tmpfs: \(mounted.stderr)") }
    }

    /// Gives the disk room again, keeping what it holds.
    func grow(kilobytes: Int) throws {
        let remounted = try ExternalTools.run(URL(fileURLWithPath: "/bin/mount"), ["-o", "remount,size=\(kilobytes)k", folder.path])
        guard remounted.status == 0 else { throw DSRError(.ioError, "cannot remount: \(remounted.stderr)") }
    }

    func unmount() {
        _ = try? ExternalTools.run(URL(fileURLWithPath: "/bin/umount"), ["-l", folder.path])
    }
}

/// What a run killed half way leaves behind is swept by the next run, which says so.
@Suite struct LeftoverTests {
    @Test func temporaryFilesAndStagingFoldersOfAnInterruptedRunAreSwept() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo()
        let installation = try workspace.installation(configuration)
        let statusFolder = installation.configuration.statusPageURL.deletingLastPathComponent()
        let temporary = { (name: String) in ".\(name).\(UUID().uuidString).tmp" }
        let leftovers = [
            workspace.url("demo/inbox/rejected/\(temporary("bad.yaml.error.txt"))"),
            // A recipients batch holds customer numbers and erasure notices.
            workspace.url("demo/outbox/recipients/posten-bring/\(temporary("2026-11-21-1.csv"))"),
            workspace.url("demo/outbox/breaches/BR-1/\(temporary("letters.csv"))"),
            statusFolder.appendingPathComponent(temporary(installation.configuration.statusPageURL.lastPathComponent)),
        ]
        for file in leftovers {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("half a file".utf8).write(to: file)
        }
        // Someone else's hidden file beside them is not dsr's to remove.
        let foreign = workspace.url("demo/outbox/recipients/posten-bring/.keep.tmp")
        try Data().write(to: foreign)
        try workspace.write("half an answer", to: "demo/outbox/.staging/REQ-GONE/access-report.json")
        let summary = try workspace.runNightly(configuration, at: "2026-11-22T01:00:00Z")
        #expect(summary.leftoversRemoved == leftovers.count + 1)
        #expect(summary.text.contains("removed \(leftovers.count + 1) temporary file(s) or folder(s) an interrupted run left"))
        for file in leftovers { #expect(!FileManager.default.fileExists(atPath: file.path), "\(file.lastPathComponent)") }
        #expect(FileManager.default.fileExists(atPath: foreign.path))
        #expect(!FileManager.default.fileExists(atPath: workspace.url("demo/outbox/.staging/REQ-GONE").path))
    }
}

/// SIGTERM (systemd stopping the service) ends a night after the batch in hand, with a
/// summary and 143; the next run finishes the rest, each request once.
@Suite struct SignalTests {
    @Test func sigtermStopsAfterTheBatchInHandAndTheNextRunFinishes() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo(customers: 1000)
        let rows = (1...1000).flatMap { customer in
            ["access", "export"].map { BulkNight.row("BULK-\($0)-\(customer)", $0, customer: customer) }
        }
        let night = try BulkNight(workspace: workspace, configuration: configuration, rows: rows)
        // As soon as the first answers are in place, systemd stops the service.
        night.waitForAnswers(5, prefix: "BULK-")
        kill(night.process.processIdentifier, SIGTERM)
        let (status, summary) = try night.finish()
        #expect(status == 143)
        #expect(summary.contains("stopped by SIGTERM after the batch in hand"), "\(summary)")

        let ledger = try workspace.installation(configuration).ledger()
        let bulk = try ledger.requests().filter { $0.id.hasPrefix("BULK-") }
        #expect(bulk.count == 2000)
        #expect(bulk.allSatisfy { $0.state == .completed || $0.state == .pending }, "\(Set(bulk.map(\.state)))")
        let doneFirst = bulk.filter { $0.state == .completed }.count
        #expect(doneFirst > 0 && doneFirst < 2000, "stopped part way: \(doneFirst)")

        let waiting = try ledger.requests(in: [.pending]).count
        let rest = try workspace.runNightly(configuration, at: "2026-11-22T02:00:00Z")
        #expect(rest.done.values.reduce(0, +) == waiting, "each waiting request done once")
        #expect(try ledger.requests().filter { $0.id.hasPrefix("BULK-") }.allSatisfy { $0.state == .completed })
        let folders = try FileManager.default.contentsOfDirectory(atPath: workspace.url("demo/outbox").path).filter { $0.hasPrefix("BULK-") }
        #expect(folders.count == 2000)
    }
}

/// A PostgreSQL store lost in the middle of a night (the server restarted, the connection
/// cut) is the machine's fault: the run stops with 74, the requests it had not finished wait
/// untouched without using an attempt, and the next run finishes them once.
@Suite struct LostStoreTests {
    @Test func aStoreLostMidNightStopsTheRunAndTheNextRunFinishesIt() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo(on: .postgres)
        let database = try #require(try String(contentsOf: configuration, encoding: .utf8)
            .split(separator: "\n").first { $0.contains("url: postgres://") }?.split(separator: "/").last.map(String.init))
        let rows = (1...900).flatMap { customer in
            ["access", "export"].map { BulkNight.row("BULK-\($0)-\(customer)", $0, customer: customer) }
        } + (901...950).map { BulkNight.row("BULK-erasure-\($0)", "erasure", customer: $0) }
        let night = try BulkNight(workspace: workspace, configuration: configuration, rows: rows)
        night.waitForAnswers(5, prefix: "BULK-")
        // The server cuts every connection to the shop's database, as a restart would.
        let server = try PostgresCustomerStore(location: try TestPostgres.server(), keyring: nil, logger: Logger(label: "dsr-test"))
        _ = try server.run(SQLStatement(sql: """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()
            """))
        let (status, printed) = try night.finish()
        #expect(status == 74, "\(printed)")
        #expect(printed.contains("wait untouched"), "\(printed)")

        let ledger = try workspace.installation(configuration).ledger()
        let bulk = try ledger.requests().filter { $0.id.hasPrefix("BULK-") }
        #expect(bulk.count == 1850)
        // Not done: pending, or in progress (the batch in hand, which the next run's recovery
        // finishes as after a kill); none used an attempt.
        #expect(bulk.allSatisfy { [.completed, .pending, .inProgress].contains($0.state) && $0.attempts == 0 },
                "\(Set(bulk.map { "\($0.state.rawValue)/\($0.attempts)" }))")
        let waiting = bulk.filter { $0.state != .completed }.count
        #expect(waiting > 0, "the connection was cut before the night ended")
        let rejected = (try? FileManager.default.contentsOfDirectory(atPath: workspace.url("demo/inbox/rejected").path)) ?? []
        #expect(rejected.isEmpty)

        let rest = try workspace.runNightly(configuration, at: "2026-11-22T02:00:00Z")
        #expect(rest.done.values.reduce(0, +) == waiting, "each waiting request done once")
        #expect(try ledger.requests().filter { $0.id.hasPrefix("BULK-") }.allSatisfy { $0.state == .completed })
        let left = try workspace.storeRows(configuration, "SELECT count(*) FROM customers WHERE id BETWEEN 901 AND 950 AND first_name <> 'erased'")
        #expect(left == [["0"]], "every erasure of the night was carried out")
    }
}

/// A SQLite store that earlier runs used and that is gone now (an unmounted volume) is a
/// fault of the machine: 74, nothing done, and the next run once it is back does the work;
/// a store path no run has seen (a typo in a new installation) stays a configuration error.
@Suite struct VanishedStoreTests {
    @Test func aStoreGoneSinceEarlierRunsIsAMachineFault() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo()
        try workspace.runNightly(configuration, at: "2026-11-22T01:00:00Z")
        let store = workspace.url("demo/store.sqlite"), away = workspace.url("store-away.sqlite")
        try FileManager.default.moveItem(at: store, to: away)
        try workspace.dropVerifiedRequest("REQ-AFTER", "access", subject: "customer_no: C-000007")
        let gone = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(gone.status == 74, "\(gone.stderr)")
        #expect(gone.stderr.contains("gone, though earlier runs used it"), "\(gone.stderr)")
        #expect(FileManager.default.fileExists(atPath: workspace.url("demo/inbox/REQ-AFTER.yaml").path), "nothing taken")
        try FileManager.default.moveItem(at: away, to: store)
        let back = try workspace.runNightly(configuration, at: "2026-11-22T02:00:00Z")
        #expect(back.done["access"] == 1)
    }

    @Test func aStorePathNoRunHasSeenIsAConfigurationError() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.demo()
        try FileManager.default.removeItem(at: workspace.url("demo/store.sqlite"))
        let result = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("file not found"))
    }
}
