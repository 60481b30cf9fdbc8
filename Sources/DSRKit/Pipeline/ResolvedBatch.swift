import DSRCore
/// A batch of queued requests sorted by what their people resolution says: answers to
/// write, store changes to carry out, and requests a person must look at first.
struct ResolvedBatch: Sendable {
    var answers: [ResolvedRequest] = []
    var changes: [ResolvedRequest] = []
    /// Requests that go to needs-review, with why (an identity shared by several people, a
    /// repeat within the window).
    var reviews: [Ledger.Transition] = []

    /// Every person the batch answers or changes, resolved with one query per identity and
    /// one ledger read for repeats.
    init(_ batch: [QueuedRequest], resolver: SubjectResolver, repeats: RepeatedRequests) throws {
        var resolutions = try resolver.resolve(batch.map(\.request))
        try repeats.holdBack(&resolutions, of: batch.map { .init($0.record) })
        for (record, request) in batch {
            let subject: StoreValue?
            switch resolutions[record.id] ?? .notFound {
            case .found(let found): subject = found
            case .notFound: subject = nil
            case .needsReview(let reason):
                reviews.append(.init(id: record.id, state: .needsReview, reason: reason))
                continue
            }
            let item = ResolvedRequest(record: record, request: request, subject: subject)
            if record.type.isAnswered { answers.append(item) } else { changes.append(item) }
        }
    }
}

/// A request taken from the queue, with its content.
typealias QueuedRequest = (record: LedgerRequest, request: DataSubjectRequest)
