import DSRCore
import DSRKit
import Foundation
import GRDB
import Testing

/// A run killed (SIGKILL) at random moments, again and again, is finished by the next one
/// without doing anything twice.
@Suite(.serialized) struct CrashSafetyTests {
    let workspace: TestWorkspace
    let configuration: URL
    static let count = 300

    init() throws {
        workspace = try TestWorkspace()
        configuration = try workspace.demo()
        for name in try FileManager.default.contentsOfDirectory(atPath: workspace.url("demo/inbox").path) {
            try FileManager.default.removeItem(at: workspace.url("demo/inbox/\(name)"))
        }
        for number in 1...Self.count {
            let type = ["access", "export", "erasure"][number % 3]
            try workspace.write("""
                id: K-\(String(format: "%04d", number))
                type: \(type)
                received_at: 2026-11-20T09:15:00+01:00
                subject: {customer_no: \(String(format: "C-%06d", number + 10))}
                verification: {method: bankid, verified_at: 2026-11-20T09:16:00+01:00}
                """, to: "demo/inbox/K-\(String(format: "%04d", number)).yaml")
        }
    }

    func start() throws -> Process {
        try ExternalTools.startNight(configuration)
    }

    @Test func killedRunsAreFinishedWithoutDoingAnythingTwice() throws {
        var generator = SplitMix(seed: 20261122)
        let killed = try ExternalTools.killedNights(configuration, runs: 12, generator: &generator, within: 10_000..<310_000)
        #expect(killed >= 6, "the runs ended before they could be killed (\(killed) of 12); the test proves little")
        let final = try ExternalTools.dsr(["run", "nightly", "--config", configuration.path])
        #expect(final.status == 0, "\(final.stdout)\(final.stderr)")

        let ledger = try Ledger(url: workspace.url("demo/ledger/ledger.sqlite"))
        let requests = try ledger.requests()
        #expect(requests.count == Self.count)
        #expect(requests.allSatisfy { $0.state == .completed }, "\(requests.filter { $0.state != .completed }.map(\.id))")
        for record in requests {
            let completions = try ledger.auditEntries(requestID: record.id).filter { $0.action == "state" && $0.detail.hasPrefix("completed") }
            #expect(completions.count == 1, "\(record.id) completed \(completions.count) times")
            let received = try ledger.auditEntries(requestID: record.id).filter { $0.action == "received" }
            #expect(received.count == 1, "\(record.id) received \(received.count) times")
            #expect(Manifest.verified(in: workspace.url("demo/outbox/\(record.id)")) != nil, "\(record.id)")
        }
        let erasures = try DatabaseQueue(path: workspace.url("demo/ledger/ledger.sqlite").path).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM audit WHERE action = 'erasure'")!
        }
        #expect(erasures == Self.count / 3)
        #expect(try ledger.verifyAudit().firstBrokenEntry == nil)
        let accepted = try FileManager.default.contentsOfDirectory(atPath: workspace.url("demo/inbox/accepted").path)
        #expect(accepted.count == Self.count)
    }

    @Test func twoRunsStartedTogetherOneWorksTheOtherExits75() throws {
        let first = try start()
        let second = try start()
        first.waitUntilExit()
        second.waitUntilExit()
        let statuses = [first.terminationStatus, second.terminationStatus].sorted()
        #expect(statuses == [0, 75])
    }
}

/// A small deterministic generator, so a failing schedule of kills can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt32 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt32(truncatingIfNeeded: z ^ (z >> 31))
    }
}

/// The benchmark runs end to end at a small scale and prints its figures (its times are
/// measured by running it, never asserted by a test).
@Suite struct BenchmarkSmokeTests {
    @Test func benchPrintsItsFigures() throws {
        let workspace = try TestWorkspace()
        let output = try ExternalTools.run(ExternalTools.builtProduct("dsr-bench"),
                                           ["--customers", "2000", "--requests", "100", "--dir", workspace.url("bench").path])
        #expect(output.status == 0, "\(output.stderr)")
        for figure in ["store generation", "requests per second", "peak resident memory", "sqlite3 floor", "dsr / floor",
                       "sqlite3 floor writing a file per answer", "dsr / floor writing files"] {
            #expect(output.stdout.contains(figure), "\(figure)")
        }
        #expect(output.stdout.range(of: #"done +50 access, 30 erasure, 20 export \(1 no data held\)"#, options: .regularExpression) != nil)
        let rows = try #require(output.stdout.firstMatch(of: #/store rows read / written +(\d+) / (\d+)/#))
        #expect(Int(rows.1)! > 0 && Int(rows.2)! > 0)
        // The second floor wrote one JSON answer per answered person it found.
        let answers = workspace.url("bench/floor-answers")
        let folders = try FileManager.default.contentsOfDirectory(atPath: answers.path)
        #expect((60...70).contains(folders.count))
        let answer = try JSONSerialization.jsonObject(with: Data(contentsOf: answers.appendingPathComponent("\(folders[0])/answer.json")))
        #expect((answer as? [String: Any])?["customers"] != nil)
    }
}
