@testable import DSRKit
import Foundation
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
}
