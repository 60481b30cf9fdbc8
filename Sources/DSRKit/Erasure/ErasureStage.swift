import Foundation
import Logging

/// Erases the subjects of a batch of verified erasure requests, one store transaction per
/// subject: a subject is either fully erased (held rows deferred) or untouched, and a
/// failure of one does not stop the others.
struct ErasureStage {
    let store: CustomerStore
    let map: DataMap
    let ledger: Ledger
    let outbox: Outbox
    let controller: Configuration.Controller
    let keyring: SubjectKeyring
    let logger: Logger

    /// One erasure request with the person it resolved to (nil: no data held).
    struct Item {
        var record: LedgerRequest
        var request: DataSubjectRequest
        var subject: StoreValue?
    }

    func erase(_ items: [Item], now: Date) -> [Ledger.Transition] {
        let planner = ErasurePlanner(map: map, today: CalendarDay(now, in: controller.timeZone),
                                     fiscalYearEnd: controller.fiscalYearEnd)
        return items.map { item in
            do {
                var receipt = Receipt(tables: [])
                var reference: String?
                if item.subject == nil, let recorded = try ledger.recordedErasure(requestID: item.record.id) {
                    (receipt, reference) = recorded
                } else if let subject = item.subject {
                    let subjectReference = keyring.subjectReference(table: map.subject.table, key: subject)
                    reference = subjectReference
                    receipt = try store.writing { session in
                        let plan = try planner.plan(subject: subject, in: session)
                        let done = try planner.execute(plan, in: session)
                        // Recorded in the ledger before the store commits (see recordErasure).
                        return try ledger.recordErasure(requestID: item.record.id, subjectReference: subjectReference,
                                                        receipt: done, deferred: plan.deferredRows, now: now)
                    }
                }
                let header = AnswerHeader(for: item.record, controller: controller, facts: map.facts,
                                          subjectFound: reference != nil, generatedAt: now)
                try ReceiptWriter.publish(receipt, header: header, formats: item.request.formats, outbox: outbox)
                try ledger.suppress(item.request.identities.map { keyring.identityReference(name: $0.key, value: $0.value) },
                                    reason: "erasure", now: now)
                logger.debug("subject erased", metadata: ["request": "\(item.record.id)"])
                return Ledger.Transition(id: item.record.id, state: .completed,
                                         reason: reference == nil ? "no personal data held" : nil, subjectReference: reference)
            } catch {
                logger.error("erasure failed; the subject is untouched", metadata: ["request": "\(item.record.id)", "error": "\(error)"])
                return Ledger.Transition(id: item.record.id, state: .failed, reason: "\(error)")
            }
        }
    }
}

extension ErasurePlan {
    /// The held rows as the ledger records them.
    var deferredRows: [(table: String, key: [StoreValue], basis: String, lastDayHeld: CalendarDay)] {
        steps.flatMap { step in
            step.held.flatMap { lastDay, keys in
                keys.map { (step.table.name, $0, step.table.hold!.basis, lastDay) }
            }
        }
    }
}

/// The nightly sweep: held rows whose hold has ended are erased as the data map says, one
/// store transaction per subject.
struct ErasureSweep {
    let store: CustomerStore
    let map: DataMap
    let ledger: Ledger
    let logger: Logger

    /// Erases what is due; returns how many rows were erased and how many subjects failed.
    func run(today: CalendarDay, now: Date) throws -> (rows: Int, failures: Int) {
        let due = try ledger.deferredErasures(endedBefore: today)
        let planner = ErasurePlanner(map: map, today: today, fiscalYearEnd: .december31)
        var erasedRows = 0
        var failures = 0
        for (_, rows) in Dictionary(grouping: due, by: \.subjectReference).sorted(by: { $0.key < $1.key }) {
            do {
                erasedRows += try store.writing { session in
                    var count = 0
                    for table in planner.tablesInErasureOrder {
                        let keys = rows.filter { $0.table == table.name }.map(\.key)
                        guard !keys.isEmpty else { continue }
                        count += table.erasureDeletesRows
                            ? try session.delete(from: table, keys: keys)
                            : try session.update(table, ColumnChange.erasure(of: table), keys: keys)
                    }
                    return count
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
