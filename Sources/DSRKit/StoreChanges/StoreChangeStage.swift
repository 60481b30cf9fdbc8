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

    private var stores: StoreSet { context.stores }
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
            var header = AnswerHeader(for: record, controller: context.configuration.controller, facts: map.facts,
                                      subjectFound: finished.reference != nil, generatedAt: now)
            header.alsoAnswers = finished.item.alsoAnswers
            do {
                let controller = context.configuration.controller
                let heading = LetterHeading(kind: finished.reference == nil ? .noData : .changed, header: header, controller: controller,
                                            language: LetterHeading.language(of: record, controller: controller))
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
                if let person = item.person, planned.reference != nil {
                    var whole = Receipt(tables: [])
                    for (name, store) in stores.stores {
                        whole.absorb(try store.reading { session in
                            try carryOut(planned, person: person, in: name, sessions: { _ in PreviewSession(reads: session) }).receipt
                        })
                    }
                    whole.recipientsTold = recipientsTold(try noticePlanner.notices(for: [(item.request, person)])[0].map(\.recipient),
                                                          type: item.record.type)
                    whole.suppressed = Self.suppressedIdentities(suppressions(for: item, of: planned.changes[0]))
                    receipt = whole
                }
                return PreviewedRequest(transition: .completion(of: item.record, subjectReference: planned.reference), receipt: receipt)
            } catch {
                return PreviewedRequest(transition: transition(item, error))
            }
        }
    }

    /// A request ready to be carried out: its change in each segment, its subject's
    /// reference, and what the ledger says an earlier run did (for a subject no longer
    /// found, and for the stores already done).
    private struct Planned {
        var item: ResolvedRequest
        var changes: [StoreChange]
        var reference: String?
        var recordedReceipt: Receipt?
        /// The receipts of the linked stores an interrupted run finished, by store name.
        var storesDone: [String: Receipt] = [:]
    }

    /// A request carried out on the store, waiting for its receipt.
    private struct Done {
        var item: ResolvedRequest
        var receipt: Receipt
        var reference: String?
    }

    /// An erasure that must wait (a legal-claims hold).
    private struct Waiting: Error {
        var reason: String
    }

    /// What must be known before the store is touched: the changes to make, and whether the
    /// person may be changed now.
    private func plan(_ item: ResolvedRequest, now: Date) throws -> Planned {
        guard let changes = try context.storeChanges(for: item.record.type, now: now) else {
            preconditionFailure("access and export are answered, not carried out")
        }
        guard let person = item.person else {
            // Done by a run killed before it could finish: the identities may no longer
            // find the person, but the ledger knows what was done.
            let recorded = try ledger.recordedChange(requestID: item.record.id)
            return Planned(item: item, changes: changes, reference: recorded?.subjectReference, recordedReceipt: recorded?.receipt)
        }
        if let reason = try ChangeGate(ledger: ledger).waitingReason(for: item.record.type,
                                                                      references: person.references(keyring: keyring, stores: stores)) {
            throw Waiting(reason: reason)
        }
        return Planned(item: item, changes: changes, reference: person.reference(keyring: keyring, stores: stores),
                       storesDone: stores.isLinked ? try ledger.partsDone(requestID: item.record.id) : [:])
    }

    /// Carries out one request's changes in the segments of one store, on the sessions the
    /// caller gives per segment, and says what changed there.
    private func carryOut(_ planned: Planned, person: Person, in storeName: String,
                          sessions: (Int) -> StoreSession) throws -> StoreChangeResult {
        var result = StoreChangeResult(receipt: Receipt(tables: []))
        for (index, bound) in stores.segments.enumerated() where bound.storeName == storeName {
            for key in person.keys[index] {
                let part = try planned.changes[index].carryOut(for: planned.item.request, subject: key, in: sessions(index))
                result.receipt.absorb(part.receipt.placed(in: stores.isLinked ? storeName : nil))
                result.deferred += part.deferred
            }
        }
        return result
    }

    /// Carries out the batch store by store in `StoreSet.commitOrder`, one transaction per
    /// store with a savepoint per request, so a request is either fully changed in a store
    /// or untouched there, and one failure does not stop the others. In each linked store
    /// the ledger records what was done before the store commits and marks it done after;
    /// the subject table's store goes last, recording the whole change (with the batch's
    /// suppressions) in the ledger transaction that commits before the store's. Killed
    /// between two commits, the next run skips the stores marked done and carries out the
    /// rest; killed between a store's commit and its mark, it carries that store out again,
    /// which changes nothing, and the ledger's trail says it was redone.
    private func change(_ planned: [Planned], now: Date) throws -> (done: [Done], transitions: [Ledger.Transition]) {
        var transitions: [Ledger.Transition] = []
        var receipts = planned.map { $0.recordedReceipt ?? Receipt(tables: []) }
        var partsByStore: [String: [Int: Receipt]] = [:]
        var deferred = Array(repeating: [Ledger.DeferredRow](), count: planned.count)
        var failed: Set<Int> = []
        // Read before any store changes: an erasure takes the identities the notices carry.
        let notices = try noticePlanner.notices(for: planned.map { ($0.item.request, $0.reference == nil ? nil : $0.item.person) })
        let order = stores.commitOrder
        for (position, (name, store)) in order.enumerated() {
            let isLast = position == order.count - 1
            var doneHere: [String] = []
            try store.writing { session in
                let sessions = batchSessions(planned, in: name, on: session)
                var parts: [Ledger.StoreChangePart] = []
                for (index, item) in planned.enumerated() where !failed.contains(index) {
                    guard let person = item.item.person, let reference = item.reference else { continue }
                    if let done = item.storesDone[name] {
                        partsByStore[name, default: [:]][index] = done
                        continue
                    }
                    do {
                        let result = try session.atomically {
                            try carryOut(item, person: person, in: name) { sessions[$0]![item.item.record.type]! }
                        }
                        if isLast {
                            partsByStore[name, default: [:]][index] = result.receipt
                            deferred[index] += result.deferred
                        } else {
                            let suppressions = suppressions(for: item.item, of: item.changes[0])
                            var receipt = result.receipt
                            receipt.suppressed = Self.suppressedIdentities(suppressions)
                            partsByStore[name, default: [:]][index] = receipt
                            parts.append(.init(requestID: item.item.record.id, subjectReference: reference, receipt: receipt,
                                               deferred: result.deferred, notices: notices[index], suppressions: suppressions))
                            doneHere.append(item.item.record.id)
                        }
                    } catch {
                        transitions.append(transition(item.item, error))
                        failed.insert(index)
                    }
                }
                if isLast {
                    try recordWhole(planned, receipts: &receipts, partsByStore: partsByStore, deferred: deferred, notices: notices,
                                    failed: failed, now: now)
                } else {
                    try ledger.recordParts(parts, store: name, now: now)
                }
            }
            if !isLast { try ledger.markPartsDone(requestIDs: doneHere, store: name, now: now) }
        }
        let done = planned.indices.filter { !failed.contains($0) }.map { index in
            Done(item: planned[index].item, receipt: receipts[index], reference: planned[index].reference)
        }
        return (done, transitions)
    }

    /// Records the changes of the requests carried out tonight (not failed, person found),
    /// each receipt put together from its stores in segment order and naming the recipients
    /// told, with the batch's suppressions and the recipients' notices, and puts in
    /// `receipts` what the ledger keeps for each (on a redo that changed nothing, the first
    /// run's receipt).
    private func recordWhole(_ planned: [Planned], receipts: inout [Receipt], partsByStore: [String: [Int: Receipt]],
                             deferred: [[Ledger.DeferredRow]], notices: [[RecipientNotice]], failed: Set<Int>, now: Date) throws {
        var records: [Ledger.StoreChangeRecord] = []
        var recordedIndices: [Int] = []
        var suppressed: [Ledger.Suppression] = []
        for (index, item) in planned.enumerated() where !failed.contains(index) {
            let suppressions = suppressions(for: item.item, of: item.changes[0])
            suppressed += suppressions
            guard item.item.person != nil, let reference = item.reference else { continue }
            var receipt = Receipt(tables: [])
            receipt.suppressed = Self.suppressedIdentities(suppressions)
            // The parts' suppressions were recorded with them: a store an interrupted run
            // finished holds the person's address no more.
            for (name, _) in stores.stores { if let part = partsByStore[name]?[index] { receipt.absorb(part) } }
            // A redo that changed nothing tonight keeps the first run's receipt: the parts of
            // stores an earlier run finished are not all it did.
            let tonight = stores.stores.compactMap { item.storesDone[$0.name] == nil ? partsByStore[$0.name]?[index] : nil }
            if !item.storesDone.isEmpty || item.recordedReceipt != nil, tonight.allSatisfy(\.changedNothing),
               let recorded = try item.recordedReceipt ?? ledger.recordedChange(requestID: item.item.record.id)?.receipt {
                receipt = recorded
            }
            // A linked store an interrupted run finished no longer shows what it disclosed:
            // its notices are those the ledger recorded then.
            let told = item.storesDone.isEmpty ? notices[index].map(\.recipient)
                : Array(Set(notices[index].map(\.recipient) + (try ledger.noticeStatuses(requestID: item.item.record.id).map(\.recipient))))
            receipt.recipientsTold = recipientsTold(told, type: item.item.record.type)
            records.append(.init(requestID: item.item.record.id, type: item.item.record.type, subjectReference: reference,
                                 receipt: receipt, deferred: deferred[index], notices: notices[index]))
            recordedIndices.append(index)
        }
        for (index, kept) in zip(recordedIndices, try ledger.recordChanges(records, suppressing: suppressed, now: now)) {
            receipts[index] = kept
        }
    }

    private var noticePlanner: RecipientNoticePlanner {
        RecipientNoticePlanner(stores: stores, map: map, logger: context.logger)
    }

    /// The names of the recipients (by id) a request's notices go to, in the data map's
    /// order, as its receipt lists them; nil for a change Art. 19 does not cover or a map
    /// that declares no recipients.
    private func recipientsTold(_ recipients: [String], type: RequestType) -> [String]? {
        guard !map.recipients.isEmpty, type.recipientNotice != nil else { return nil }
        return map.recipients.filter { recipients.contains($0.id) }.map(\.name)
    }

    /// The batch sessions of one store: per segment and request type, a session that reads
    /// each table once for all the batch's keys in that segment (requests of one type read
    /// the same tables).
    private func batchSessions(_ planned: [Planned], in storeName: String, on session: StoreSession) -> [Int: [RequestType: StoreSession]] {
        var sessions: [Int: [RequestType: StoreSession]] = [:]
        let changing = planned.filter { $0.reference != nil && $0.item.person != nil }
        for (index, bound) in stores.segments.enumerated() where bound.storeName == storeName {
            let batch = BatchReadSession.Batch(map: bound.map)
            sessions[index] = Dictionary(grouping: changing, by: \.item.record.type).mapValues { items in
                BatchReadSession(session, subjects: items.flatMap { $0.item.person!.keys[index] }, batch: batch)
            }
        }
        return sessions
    }

    /// The suppressions a request adds: for the identities it names, and for the values
    /// the person is linked by in stores of identity links (a consent kept there under the
    /// person's address must not outlive an erasure requested by customer number).
    private func suppressions(for item: ResolvedRequest, of change: StoreChange) -> [Ledger.Suppression] {
        let request = item.request
        let scopes = change.suppressionScopes(for: request)
        guard !scopes.isEmpty else { return [] }
        var identities = Set(request.identities.map { IdentityValue(name: $0.key, value: $0.value) })
        let links = LinkResolver(stores: stores)
        for (index, bound) in stores.segments.enumerated() {
            guard case .identity(let name, _)? = bound.segment.link, let keys = item.person?.keys[index] else { continue }
            for key in keys { identities.insert(IdentityValue(name: name, value: links.linkValue(key, segment: index))) }
        }
        return identities.sorted { ($0.name, $0.value) < ($1.name, $1.value) }.flatMap { identity in
            scopes.map { Ledger.Suppression(reference: keyring.identityReference(name: identity.name, value: identity.value),
                                            identity: identity.name, scope: $0, reason: request.type.rawValue) }
        }
    }

    /// The identity names a receipt lists as put on the suppression list; nil for none.
    private static func suppressedIdentities(_ suppressions: [Ledger.Suppression]) -> [String]? {
        suppressions.isEmpty ? nil : Array(Set(suppressions.map(\.identity))).sorted()
    }

    private struct IdentityValue: Hashable {
        var name: String
        var value: String
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
