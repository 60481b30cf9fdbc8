import DSRCore
import Foundation
import Logging

/// `dsr erasure reapply`: after a store is restored from a backup taken before some
/// erasures, erases those people again. The ledger knows them only by keyed reference, so
/// every subject key of the store is referenced once (one pass over the subject table) and
/// matched.
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

    private var store: CustomerStore { context.store }
    private var map: DataMap { context.map }

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
        var found: [(subject: StoreValue, requestID: String, reference: String)] = []
        try store.forEachSubjectKey(in: map) { key in
            // Every key's reference: erasures recorded before a key rotation are found too.
            for reference in context.keyring.subjectReferences(table: map.subject.table, key: key) {
                if let requestID = requestByReference[reference] {
                    found.append((key, requestID, reference))
                    break
                }
            }
        }
        var report = Report(recorded: requestByReference.count, found: found.count)
        let planner = ErasurePlanner(map: map, today: context.today(at: now),
                                     fiscalYearEnd: context.configuration.controller.fiscalYearEnd)
        for person in found {
            do {
                let receipt = try store.writing { session in
                    let plan = try planner.plan(subject: person.subject, in: session)
                    let receipt = try planner.execute(plan, in: session)
                    try ledger.recordDeferred(plan.deferredRows, requestID: person.requestID,
                                              subjectReference: person.reference, now: now)
                    return receipt
                }
                if !receipt.changedNothing { report.reErased += 1 }
                report.rowsDeleted += receipt.tables.reduce(0) { $0 + $1.rowsDeleted }
                report.rowsChanged += receipt.tables.reduce(0) { $0 + $1.rowsChanged }
            } catch {
                context.logger.error("re-applying an erasure failed", metadata: ["request": "\(person.requestID)", "error": "\(error)"])
                report.failed.append(person.requestID)
            }
        }
        return report
    }
}
