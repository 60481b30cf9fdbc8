import DSRCore
/// The ledger's queue as a night takes it: the requests it may carry out, with their
/// content, and those that go to a person instead. The night and its dry run take the
/// queue through this one function.
enum RequestQueue {
    /// The requests in `states` with their content; a failed one out of attempts, or one
    /// whose content the ledger no longer holds, goes to review instead.
    /// - Parameter taken: requests intake just took, by id: not decoded again from the ledger.
    static func take(from ledger: Ledger, in states: [RequestState], taken: [String: DataSubjectRequest] = [:]) throws
        -> (queued: [QueuedRequest], reviews: [Ledger.Transition]) {
        var queued: [QueuedRequest] = []
        var reviews: [Ledger.Transition] = []
        for record in try ledger.requests(in: states) {
            if record.state == .failed && record.attempts >= Ledger.maximumAttempts {
                reviews.append(.init(id: record.id, state: .needsReview,
                                     reason: "failed \(record.attempts) times; last: \(record.stateReason ?? "unknown")"))
            } else if let request = try taken[record.id] ?? record.request() {
                queued.append((record, request))
            } else {
                reviews.append(.init(id: record.id, state: .needsReview, reason: "the ledger no longer holds the request's content"))
            }
        }
        return (queued, reviews)
    }

    /// What becomes of requests a killed run left in progress: completed when their answer
    /// is already in place, queued again otherwise.
    static func recovery(of interrupted: [LedgerRequest], outbox: Outbox) -> [Ledger.Transition] {
        interrupted.map { record in
            outbox.hasCompleteAnswer(for: record.id)
                ? .init(id: record.id, state: .completed, reason: "answer found in place after an interrupted run")
                : .init(id: record.id, state: .pending, reason: "retried after an interrupted run")
        }
    }
}
