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
        _ = try ledger.recordChange(requestID: "R-1", type: .erasure, subjectReference: "ref", receipt: receipt, deferred: [], now: now)
        _ = try ledger.recordChange(requestID: "R-1", type: .erasure, subjectReference: "ref", receipt: receipt, deferred: [], now: now)
        // A rerun after the store did commit finds nothing to change and keeps the receipt.
        let kept = try ledger.recordChange(requestID: "R-1", type: .erasure, subjectReference: "ref", receipt: Receipt(tables: []),
                                           deferred: [], now: now)
        #expect(kept == receipt)
        let actions = try ledger.auditEntries(requestID: "R-1").map(\.action)
        #expect(actions == ["erasure", "erasure redone after an interrupted run"])
        #expect(try ledger.verifyAudit().firstBrokenEntry == nil)
    }
}
