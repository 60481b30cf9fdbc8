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
        items.map { item in
            do {
                guard let change = try context.storeChange(for: item.record.type, now: now) else {
                    preconditionFailure("access and export are answered, not carried out")
                }
                var receipt = Receipt(tables: [])
                var reference: String?
                if item.subject == nil, let recorded = try ledger.recordedChange(requestID: item.record.id) {
                    // Done by a run killed before it could finish: the identities may no
                    // longer find the person, but the ledger knows what was done.
                    (receipt, reference) = recorded
                } else if let subject = item.subject {
                    let subjectReference = keyring.subjectReference(table: map.subject.table, key: subject)
                    if item.record.type == .erasure, let hold = try ledger.standingLegalHold(subjectReference: subjectReference) {
                        return Ledger.Transition(id: item.record.id, state: .pending,
                                                 reason: "waits for the legal-claims hold placed \(Timestamp.format(hold.placedAt)) to be lifted (Art. 17(3)(e))")
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
                let header = AnswerHeader(for: item.record, controller: context.configuration.controller, facts: map.facts,
                                          subjectFound: reference != nil, generatedAt: now)
                try ReceiptWriter.publish(receipt, header: header, formats: item.request.formats, outbox: outbox)
                let identities = item.request.identities.map { keyring.identityReference(name: $0.key, value: $0.value) }
                try ledger.suppress(identities, scopes: change.suppressionScopes(for: item.request),
                                    reason: item.record.type.rawValue, now: now)
                context.logger.debug("request carried out", metadata: ["request": "\(item.record.id)", "type": "\(item.record.type.rawValue)"])
                return Ledger.Transition(id: item.record.id, state: .completed,
                                         reason: reference == nil ? "no personal data held" : Self.doneReason[item.record.type],
                                         subjectReference: reference)
            } catch let rejection as RequestRejection {
                return Ledger.Transition(id: item.record.id, state: .rejected, reason: rejection.reason)
            } catch {
                context.logger.error("request failed; the subject is untouched", metadata: ["request": "\(item.record.id)", "error": "\(error)"])
                return Ledger.Transition(id: item.record.id, state: .failed, reason: "\(error)")
            }
        }
    }

    private static let doneReason: [RequestType: String] = [.restriction: "processing restricted (Art. 18)"]

}
