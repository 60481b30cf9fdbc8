@testable import DSRKit
import DSRCore
import Foundation
import GRDB
import Testing

/// What the ledger records when a run was killed between recording a store change and the
/// store committing it.
@Suite struct LedgerRecoveryTests {
    @Test func aChangeRedoneAfterAnInterruptedRunIsAuditedAsRedoneNotTwice() throws {
        let workspace = try TestWorkspace()
        let ledger = try Ledger(url: workspace.url("ledger.sqlite"))
        var table = Receipt.Table(table: "customers")
        table.rowsChanged = 1
        let receipt = Receipt(tables: [table])
        let now = Date()
        // The first run records its receipt, then dies before the store commits; the rerun
        // finds the rows still to change and records the change it really made.
        let change = Ledger.StoreChangeRecord(requestID: "R-1", type: .erasure, subjectReference: "ref", receipt: receipt, deferred: [])
        _ = try ledger.recordChanges([change], now: now)
        _ = try ledger.recordChanges([change], now: now)
        // A rerun after the store did commit finds nothing to change and keeps the receipt.
        var nothingLeft = change
        nothingLeft.receipt = Receipt(tables: [])
        #expect(try ledger.recordChanges([nothingLeft], now: now) == [receipt])
        let actions = try ledger.auditEntries(requestID: "R-1").map(\.action)
        #expect(actions == ["erasure", "erasure redone after an interrupted run"])
        #expect(try ledger.verifyAudit().firstBrokenEntry == nil)
    }

    @Test func rowKeysAreWrittenAsJSONEncoderWritesThem() throws {
        let keys: [[StoreValue]] = [[.integer(554_321)], [.integer(-7), .text("A-12 b")], [.text("a/b")], [.text("\"quoted\"")],
                                    [.text("Ærlig ❤")], [.real(1.5)], [.null], [.blob(Data([1, 2]))], [.integer(.max), .integer(.min)]]
        for key in keys {
            let written = try Ledger.encodeKey(key)
            #expect(written == String(decoding: try JSONEncoder().encode(key), as: UTF8.self))
            #expect(try Ledger.decodeKey(written) == key)
        }
    }

    @Test func aReceiptKeptInTheLedgerReadsBackWhole() throws {
        var table = Receipt.Table(table: "order \"lines\"/ærlig")
        table.rowsDeleted = 2
        table.rowsChanged = 3
        table.rowsUnchanged = 1
        table.columns = [.init(name: "gift_message", action: .null), .init(name: "id", action: .keep)]
        table.held = [.init(basis: "Bokføringsloven § 13\nline two\t", lastDayHeld: CalendarDay(year: 2031, month: 12, day: 31), rows: 8)]
        let receipt = Receipt(tables: [table, Receipt.Table(table: "customers")])
        let text = try receipt.ledgerJSON()
        #expect(!text.contains("\n"), "compact, one line")
        #expect(try JSONDecoder().decode(Receipt.self, from: Data(text.utf8)) == receipt)
    }

    /// The audit chain's hashes of existing ledgers must still verify: the hash of known
    /// entries is pinned to the values every earlier version of dsr wrote.
    @Test func auditHashesStayAsLedgersHoldThem() {
        #expect(Ledger.auditHash(previous: Ledger.genesisHash, at: "2026-11-22T03:00:00Z", requestID: "REQ-1",
                                 subjectReference: "ref", action: "state", detail: "completed: ærlig ❤")
                == "6d684ff3672c79071668917f45e6840fcf5ccf887ac28a6e69bad6076c35388c")
        #expect(Ledger.auditHash(previous: String(repeating: "a", count: 64), at: "2026-11-22T03:00:00Z", requestID: nil,
                                 subjectReference: nil, action: "sweep", detail: "")
                == "bbd9ee280ee90c63550e8513cedbb3f0511b349ad54ec410481dbb8644eab194")
    }

    @Test func datesAreStoredAsGRDBStoresThem() {
        var generator = SplitMix(seed: 20261122)
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.0005), Date(timeIntervalSince1970: 1_795_000_000.9995),
                     Date(timeIntervalSince1970: -62_135_596_800), Date(timeIntervalSince1970: 253_402_300_799.999), Date()]
        for _ in 0..<100_000 {
            // 1900 to 2100, with fractions of a millisecond.
            let seconds = Double(generator.next()) / Double(UInt32.max) * 6_311_390_400 - 2_208_988_800
            dates.append(Date(timeIntervalSince1970: seconds.rounded(.down) + Double(generator.next() % 1_000_000) / 1_000_000))
        }
        let differing = dates.filter { $0.ledgerValue != $0.databaseValue }
        let count = differing.count
        #expect(count == 0, "e.g. \(differing.prefix(3).map { ($0.timeIntervalSince1970, $0.ledgerValue, $0.databaseValue) })")
    }
}
