import DSRCore
import Foundation
import Logging

/// Carries out the requests that change the store (erasure, rectification, restriction,
/// objection, consent withdrawal) a batch at a time: one store transaction for the batch,
/// a savepoint per subject inside it, so a subject is either fully changed or untouched and
/// one failure does not stop the others, while the batch pays for one commit, not one
/// per subject.
struct StoreChangeStage {
    let context: RunContext
    let ledger: Ledger
    let outbox: Outbox

    private var store: CustomerStore { context.store }
    private var map: DataMap { context.map }
    private var keyring: SubjectKeyring { context.keyring }

    /// Carries out the batch and hands each request's receipt to `publisher`. Returns the
    /// new state of each request that failed or must wait; the others are completed by the
    /// publisher.
    func carryOut(_ items: [ResolvedRequest], publishingWith publisher: OutboxPublisher, now: Date) -> [Ledger.Transition] {
        var transitions: [Ledger.Transition] = []
        var planned: [Planned] = []
        for item in items {
            do {
                planned.append(try plan(item, now: now))
            } catch {
                transitions.append(transition(item, error))
            }
        }
        let done: [Done]
        do {
            let changed = try change(planned, now: now)
            done = changed.done
            transitions += changed.transitions
        } catch {
            return transitions + planned.map { failure($0.item, error) }
        }
        var staged: [OutboxPublisher.Item] = []
        for finished in done {
            let record = finished.item.record
            let header = AnswerHeader(for: record, controller: context.configuration.controller, facts: map.facts,
                                      subjectFound: finished.reference != nil, generatedAt: now)
            do {
                let controller = context.configuration.controller
                let heading = LetterHeading(kind: finished.reference == nil ? .noData : .changed, header: header, controller: controller,
                                            language: LetterHeading.language(asked: finished.item.request.language, controller: controller))
                let folder = try ReceiptWriter.stage(finished.receipt, header: header, formats: finished.item.request.formats,
                                                     outbox: outbox, letter: LetterWriter(heading: heading, templates: context.letters),
                                                     map: map)
                context.logger.debug("request carried out", metadata: ["request": "\(record.id)", "type": "\(record.type.rawValue)"])
                staged.append((folder, .completion(of: record, subjectReference: finished.reference)))
            } catch {
                transitions.append(failure(finished.item, error))
            }
        }
        publisher.submit(staged)
        return transitions
    }

    /// What `carryOut` would do with the batch, changing nothing: each request's transition
    /// as the night would record it, with the receipt of those it would complete. The plan
    /// and the gate are the night's; the change runs unmodified on a `PreviewSession`.
    func preview(_ items: [ResolvedRequest], now: Date) -> [PreviewedRequest] {
        items.map { item in
            do {
                let planned = try plan(item, now: now)
                var receipt = planned.recordedReceipt
                if let subject = item.subject, planned.reference != nil {
                    receipt = try store.reading { session in
                        try planned.change.carryOut(for: item.request, subject: subject, in: PreviewSession(reads: session)).receipt
                    }
                }
                return PreviewedRequest(transition: .completion(of: item.record, subjectReference: planned.reference), receipt: receipt)
            } catch {
                return PreviewedRequest(transition: transition(item, error))
            }
        }
    }

    /// A request ready to be carried out: its change, its subject's reference, and for a
    /// subject no longer found, what the ledger says an earlier run did.
    private struct Planned {
        var item: ResolvedRequest
        var change: StoreChange
        var reference: String?
        var recordedReceipt: Receipt?
    }

    /// A request carried out on the store, waiting for its receipt.
    private struct Done {
        var item: ResolvedRequest
        var receipt: Receipt
        var reference: String?
        var suppressions: [Ledger.Suppression]
    }

    /// An erasure that must wait (a legal-claims hold).
    private struct Waiting: Error {
        var reason: String
    }

    /// What must be known before the store is touched: the change to make, and whether the
    /// subject may be changed now.
    private func plan(_ item: ResolvedRequest, now: Date) throws -> Planned {
        guard let change = try context.storeChange(for: item.record.type, now: now) else {
            preconditionFailure("access and export are answered, not carried out")
        }
        guard let subject = item.subject else {
            // Done by a run killed before it could finish: the identities may no longer
            // find the person, but the ledger knows what was done.
            let recorded = try ledger.recordedChange(requestID: item.record.id)
            return Planned(item: item, change: change, reference: recorded?.subjectReference, recordedReceipt: recorded?.receipt)
        }
        if let reason = try ChangeGate(ledger: ledger, keyring: keyring, map: map).waitingReason(for: item.record.type, subject: subject) {
            throw Waiting(reason: reason)
        }
        return Planned(item: item, change: change, reference: keyring.subjectReference(table: map.subject.table, key: subject))
    }

    /// Carries out the batch in one store transaction, a savepoint per subject, and records
    /// what was done (with the batch's suppressions) in one ledger transaction that commits
    /// before the store's. Killed between the two commits, the next run carries the batch
    /// out again and the ledger's trail says it was redone.
    private func change(_ planned: [Planned], now: Date) throws -> (done: [Done], transitions: [Ledger.Transition]) {
        var done: [Done] = []
        var transitions: [Ledger.Transition] = []
        var records: [Ledger.StoreChangeRecord] = []
        var recordedIndices: [Int] = []
        let receipts: [Receipt] = try store.writing { session in
            // Requests of one type read the same tables: each table once for all their subjects.
            let batch = BatchReadSession.Batch(map: map)
            let sessions = Dictionary(grouping: planned.filter { $0.reference != nil }, by: \.item.record.type).mapValues { items in
                BatchReadSession(session, subjects: items.compactMap(\.item.subject), batch: batch)
            }
            for item in planned {
                var receipt = item.recordedReceipt ?? Receipt(tables: [])
                if let subject = item.item.subject, let reference = item.reference {
                    let session = sessions[item.item.record.type]!
                    do {
                        let result = try session.atomically {
                            try item.change.carryOut(for: item.item.request, subject: subject, in: session)
                        }
                        receipt = result.receipt
                        recordedIndices.append(done.count)
                        records.append(.init(requestID: item.item.record.id, type: item.item.record.type, subjectReference: reference,
                                             receipt: result.receipt, deferred: result.deferred))
                    } catch {
                        transitions.append(transition(item.item, error))
                        continue
                    }
                }
                done.append(Done(item: item.item, receipt: receipt, reference: item.reference,
                                 suppressions: suppressions(for: item.item.request, of: item.change)))
            }
            return try ledger.recordChanges(records, suppressing: done.flatMap(\.suppressions), now: now)
        }
        for (index, receipt) in zip(recordedIndices, receipts) { done[index].receipt = receipt }
        return (done, transitions)
    }

    private func suppressions(for request: DataSubjectRequest, of change: StoreChange) -> [Ledger.Suppression] {
        let scopes = change.suppressionScopes(for: request)
        return request.identities.flatMap { name, value in
            scopes.map { Ledger.Suppression(reference: keyring.identityReference(name: name, value: value), identity: name,
                                            scope: $0, reason: request.type.rawValue) }
        }
    }

    private func transition(_ item: ResolvedRequest, _ error: Error) -> Ledger.Transition {
        switch error {
        case let waiting as Waiting: return Ledger.Transition(id: item.record.id, state: .pending, reason: waiting.reason)
        case let rejection as RequestRejection: return Ledger.Transition(id: item.record.id, state: .rejected, reason: rejection.reason)
        default: return failure(item, error)
        }
    }

    private func failure(_ item: ResolvedRequest, _ error: Error) -> Ledger.Transition {
        context.logger.error("request failed; the subject is untouched", metadata: ["request": "\(item.record.id)", "error": "\(error)"])
        return .failure(of: item.record.id, error)
    }
}
