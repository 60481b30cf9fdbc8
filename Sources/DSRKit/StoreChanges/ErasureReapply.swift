import DSRCore
import Foundation
import Logging

/// `dsr erasure reapply`: after a store is restored from a backup taken before some
/// erasures, erases those people again, in every store. The ledger knows them only by keyed
/// reference, so every subject key is referenced once (one pass over the subject table, and
/// over each linked store's linked table for people only it holds) and matched; a person
/// found in the subject table is followed into the linked stores through their links.
public struct ErasureReapply {
    public let context: RunContext
    public let ledger: Ledger
    /// The run lock, held while this value exists.
    let lock: RunLock

    public init(context: RunContext, lock: RunLock, ledger: Ledger) {
        self.context = context
        self.lock = lock
        self.ledger = ledger
    }

    private var stores: StoreSet { context.stores }

    /// What re-applying found and did.
    public struct Report: Sendable, Codable, Equatable {
        /// Erasures the ledger records.
        public var recorded = 0
        /// Of those, people found in the store.
        public var found = 0
        /// Of those, people who still had data to erase (the restore brought it back).
        public var reErased = 0
        public var rowsDeleted = 0
        public var rowsChanged = 0
        public var failed: [String] = []

        enum CodingKeys: String, CodingKey {
            case recorded, found, reErased = "re_erased", rowsDeleted = "rows_deleted", rowsChanged = "rows_changed", failed
        }

        public func json() -> String { ReportJSON.text(self) }

        public var text: String {
            var text = "erasures recorded: \(recorded); people found in the store: \(found); erased again: \(reErased) "
                + "(\(rowsDeleted) rows deleted, \(rowsChanged) rows changed)"
            if !failed.isEmpty { text += "\nfailed: " + failed.joined(separator: ", ") }
            return text
        }
    }

    public func run(now: Date) throws -> Report {
        let erased = try ledger.erasedSubjects()
        let requestByReference = Dictionary(erased.map { ($0.subjectReference, $0.requestID) }, uniquingKeysWith: { first, _ in first })
        let found = try ReferencedPeople(stores: stores, keyring: context.keyring).find(requestByReference)
        var report = Report(recorded: requestByReference.count, found: found.count)
        let today = context.today(at: now)
        let planners = stores.segments.map {
            ErasurePlanner(map: $0.map, holds: HoldClock(today: today, fiscalYearEnd: context.configuration.controller.fiscalYearEnd,
                                                           zone: context.configuration.controller.timeZone), now: now)
        }
        for (person, requestID, reference) in found {
            do {
                var receipt = Receipt(tables: [])
                // Linked stores first, as the night's erasures commit.
                for (name, store) in stores.commitOrder {
                    receipt.absorb(try store.writing { session in
                        var receipt = Receipt(tables: [])
                        for (index, bound) in stores.segments.enumerated() where bound.storeName == name {
                            for key in person.keys[index] {
                                let plan = try planners[index].plan(subject: key, in: session)
                                receipt.absorb(try planners[index].execute(plan, in: session))
                                try ledger.recordDeferred(plan.deferredRows, requestID: requestID, subjectReference: reference, now: now)
                            }
                        }
                        return receipt
                    })
                }
                if !receipt.changedNothing { report.reErased += 1 }
                report.rowsDeleted += receipt.tables.reduce(0) { $0 + $1.rowsDeleted }
                report.rowsChanged += receipt.tables.reduce(0) { $0 + $1.rowsChanged }
            } catch {
                context.logger.error("re-applying an erasure failed", metadata: ["request": "\(requestID)", "error": "\(error)"])
                report.failed.append(requestID)
            }
        }
        return report
    }
}
