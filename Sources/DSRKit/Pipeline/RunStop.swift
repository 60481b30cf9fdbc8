import Synchronization

/// A request to stop a run early (SIGTERM from systemd, SIGINT from a terminal), set from a
/// signal handler and read between batches: the batch in hand is finished and recorded,
/// no further batch is taken, and the run reports what stopped it.
public final class RunStop: Sendable {
    private let signalNumber = Atomic<Int32>(0)

    public init() {}

    /// Records the signal; the first one wins.
    public func request(by signal: Int32) {
        _ = signalNumber.compareExchange(expected: 0, desired: signal, ordering: .relaxed)
    }

    /// The signal that asked the run to stop, if one did.
    public var signal: Int32? {
        let value = signalNumber.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }
}
