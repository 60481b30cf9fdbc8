import DSRCore
/// A batch of queued requests sorted by what their people resolution says: answers to
/// write, store changes to carry out, and requests a person must look at first.
struct ResolvedBatch: Sendable {
    var answers: [ResolvedRequest] = []
    var changes: [ResolvedRequest] = []
    /// Requests that go to needs-review, with why (an identity shared by several people, a
    /// repeat within the window).
    var reviews: [Ledger.Transition] = []

    /// Every person the batch answers or changes, as the night resolved them in the subject
    /// table's store, with one ledger read for repeats, then one lookup per linked segment.
    init(_ batch: [QueuedRequest], of night: SameNightRequests, stores: StoreSet, repeats: RepeatedRequests) throws {
        var resolutions = Dictionary(uniqueKeysWithValues: batch.compactMap { item in
            night.resolutions[item.record.id].map { (item.record.id, $0) }
        })
        try repeats.holdBack(&resolutions, of: batch.map { .init($0.record) })
        var resolved: [(request: DataSubjectRequest, subject: StoreValue?)] = []
        for (record, request) in batch {
            switch resolutions[record.id] ?? .notFound {
            case .found(let found): resolved.append((request, found))
            case .notFound: resolved.append((request, nil))
            case .needsReview(let reason): reviews.append(.init(id: record.id, state: .needsReview, reason: reason))
            }
        }
        let people = try LinkResolver(stores: stores).people(of: resolved)
        let reviewed = Set(reviews.map(\.id))
        for (record, request) in batch where !reviewed.contains(record.id) {
            let item = ResolvedRequest(record: record, request: request, person: people[record.id],
                                       alsoAnswers: night.duplicates[record.id] ?? [])
            if record.type.isAnswered { answers.append(item) } else { changes.append(item) }
        }
    }
}

/// A request taken from the queue, with its content.
typealias QueuedRequest = (record: LedgerRequest, request: DataSubjectRequest)
