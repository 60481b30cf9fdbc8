import DSRCore
/// Where a request is in its life. The raw values mirror OpenDSR's where they meet
/// (`pending`, `in_progress` is written `in-progress` here, `completed`, `cancelled`).
public enum RequestState: String, Sendable, CaseIterable, Codable {
    case received
    /// No verified identity yet: nothing is disclosed or erased.
    case awaitingVerification = "awaiting-verification"
    case pending
    case inProgress = "in-progress"
    case completed
    case rejected
    case cancelled
    /// Ambiguous or conflicting identities: a person must decide.
    case needsReview = "needs-review"
    /// Something went wrong; retried by the next run.
    case failed

    /// Whether the request is over; its raw identities are no longer kept.
    public var isFinal: Bool { self == .completed || self == .rejected || self == .cancelled }
}
