import Foundation
import Logging

/// Carries out the requests that change the store (erasure, rectification, restriction,
/// objection, consent withdrawal), one store transaction per subject: a subject is either
/// fully changed or untouched, and one failure does not stop the others.
struct StoreChangeStage {
    let context: RunContext
    let ledger: Ledger
    let outbox: Outbox

    private var store: CustomerStore { context.store }
    private var map: DataMap { context.map }
    private var keyring: SubjectKeyring { context.keyring }

    func carryOut(_ items: [ResolvedRequest], now: Date) -> [Ledger.Transition] {
        var transitions: [Ledger.Transition] = []
        var done: [Done] = []
        for item in items {
            do {
                if let finished = try carryOut(item, now: now) { done.append(finished) }
            } catch let waiting as Waiting {
                transitions.append(Ledger.Transition(id: item.record.id, state: .pending, reason: waiting.reason))
            } catch let rejection as RequestRejection {
                transitions.append(Ledger.Transition(id: item.record.id, state: .rejected, reason: rejection.reason))
            } catch {
                transitions.append(failure(item, error))
            }
        }
        // Suppressed before any receipt is published, so "completed" always means suppressed.
        do {
            try ledger.suppress(done.flatMap { $0.suppressions }, now: now)
        } catch {
            return transitions + done.map { failure($0.item, error) }
        }
        var staged: [(done: Done, folder: StagedFolder)] = []
        for finished in done {
            let header = AnswerHeader(for: finished.item.record, controller: context.configuration.controller, facts: map.facts,
                                      subjectFound: finished.reference != nil, generatedAt: now)
            do {
                staged.append((finished, try ReceiptWriter.stage(finished.receipt, header: header,
                                                                  formats: finished.item.request.formats, outbox: outbox)))
            } catch {
                transitions.append(failure(finished.item, error))
            }
        }
        let failures = StagedFolder.publish(staged.map(\.folder), in: outbox)
        for (finished, _) in staged {
            let record = finished.item.record
            if let error = failures[record.id] {
                transitions.append(failure(finished.item, error))
                continue
            }
            context.logger.debug("request carried out", metadata: ["request": "\(record.id)", "type": "\(record.type.rawValue)"])
            transitions.append(Ledger.Transition(id: record.id, state: .completed,
                                                 reason: finished.reference == nil ? "no personal data held" : Self.doneReason[record.type],
                                                 subjectReference: finished.reference))
        }
        return transitions
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

    /// Carries one request out in its subject's transaction.
    private func carryOut(_ item: ResolvedRequest, now: Date) throws -> Done? {
        guard let change = try context.storeChange(for: item.record.type, now: now) else {
            preconditionFailure("access and export are answered, not carried out")
        }
        var receipt = Receipt(tables: [])
        var reference: String?
        if item.subject == nil, let recorded = try ledger.recordedChange(requestID: item.record.id) {
            // Done by a run killed before it could finish: the identities may no longer
            // find the person, but the ledger knows what was done.
            (receipt, reference) = recorded
        } else if let subject = item.subject {
            let subjectReference = keyring.subjectReference(table: map.subject.table, key: subject)
            if item.record.type == .erasure, let hold = try ledger.standingLegalHold(subjectReference: subjectReference) {
                throw Waiting(reason: "waits for the legal-claims hold placed \(Timestamp.format(hold.placedAt)) to be lifted (Art. 17(3)(e))")
            }
            reference = subjectReference
            receipt = try store.writing { session in
                let result = try change.carryOut(for: item.request, subject: subject, in: session)
                // Recorded before the store commits (see Ledger.recordChange).
                return try ledger.recordChange(requestID: item.record.id, type: item.record.type,
                                               subjectReference: subjectReference, receipt: result.receipt,
                                               deferred: result.deferred, now: now)
            }
        }
        let scopes = change.suppressionScopes(for: item.request)
        let suppressions = item.request.identities.flatMap { name, value in
            scopes.map { Ledger.Suppression(reference: keyring.identityReference(name: name, value: value), identity: name,
                                            scope: $0, reason: item.record.type.rawValue) }
        }
        return Done(item: item, receipt: receipt, reference: reference, suppressions: suppressions)
    }

    private func failure(_ item: ResolvedRequest, _ error: Error) -> Ledger.Transition {
        context.logger.error("request failed; the subject is untouched", metadata: ["request": "\(item.record.id)", "error": "\(error)"])
        return Ledger.Transition(id: item.record.id, state: .failed, reason: "\(error)")
    }

    private static let doneReason: [RequestType: String] = [.restriction: "processing restricted (Art. 18)"]

}
