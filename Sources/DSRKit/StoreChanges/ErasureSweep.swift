import DSRCore
import Foundation
import Logging

/// The nightly sweep: held rows whose hold has ended are erased as the data map says, one
/// store transaction per subject and store.
struct ErasureSweep {
    let stores: StoreSet
    let ledger: Ledger
    let logger: Logger

    /// The held rows whose hold has ended, by subject reference, leaving out the subjects a
    /// legal-claims hold stands on: what the sweep erases, and what the dry run says it would.
    func due(today: CalendarDay) throws -> [(subjectReference: String, rows: [Ledger.DeferredErasure])] {
        var due: [(subjectReference: String, rows: [Ledger.DeferredErasure])] = []
        let ended = Dictionary(grouping: try ledger.deferredErasures(endedBefore: today), by: \.subjectReference)
        for (reference, rows) in ended.sorted(by: { $0.key < $1.key })
        where try ledger.standingLegalHold(subjectReferences: [reference]) == nil {
            due.append((reference, rows))
        }
        return due
    }

    /// Erases what is due; returns how many rows were erased and how many subjects failed.
    func run(today: CalendarDay, now: Date) throws -> (rows: Int, failures: Int) {
        var erasedRows = 0
        var failures = 0
        for (_, rows) in try due(today: today) {
            do {
                // Linked stores first, as the night's changes commit; a kill between two
                // stores leaves the rows unmarked, and erasing them again changes nothing.
                for (name, store) in stores.commitOrder {
                    erasedRows += try store.writing { session in
                        var count = 0
                        for bound in stores.segments where bound.storeName == name {
                            for table in bound.map.tablesChildrenFirst {
                                let keys = rows.filter { $0.table == table.name }.map(\.key)
                                guard !keys.isEmpty else { continue }
                                count += table.erasureDeletesRows
                                    ? try session.delete(from: table, keys: keys)
                                    : try session.update(table, ColumnChange.erasure(of: table), keys: keys)
                            }
                        }
                        return count
                    }
                }
                try ledger.markErased(rows.map(\.id), now: now)
            } catch {
                failures += 1
                logger.error("sweep failed for a subject; retried next run", metadata: ["error": "\(error)"])
            }
        }
        return (erasedRows, failures)
    }
}
