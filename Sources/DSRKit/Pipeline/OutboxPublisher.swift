import DSRCore
import Dispatch
import Logging
import Synchronization

/// Makes answer and receipt folders durable and moves them into place on a queue of its
/// own, so the threads that write them go on with the next batch instead of waiting for
/// the disk. Whatever was submitted while a barrier ran shares the next barrier.
///
/// A request's `completed` outcome is handed back only once its folder is durable and in
/// place; a run killed before that finds the request in progress and its folder still in
/// staging, and does it again.
final class OutboxPublisher: Sendable {
    /// A closed folder and the outcome its request gets once the folder is in place.
    typealias Item = (folder: ClosedFolder, completed: Ledger.Transition)
    /// Seals, makes durable and moves a set of folders into place; returns each failure.
    typealias Publish = @Sendable ([ClosedFolder], Outbox) -> [String: Error]

    private let outbox: Outbox
    private let logger: Logger
    private let publish: Publish
    private let queue = DispatchQueue(label: "dsr.outbox-publisher")
    private let state = Mutex(State())

    private struct State {
        var pending: [Item] = []
        var published: [Ledger.Transition] = []
        /// Whether a drain is queued or running; it runs until nothing is pending.
        var draining = false
        var closed = false
    }

    init(outbox: Outbox, logger: Logger, publish: @escaping Publish = ClosedFolder.publish) {
        self.outbox = outbox
        self.logger = logger
        self.publish = publish
    }

    /// Queues folders to be published.
    func submit(_ items: [Item]) {
        guard !items.isEmpty else { return }
        let startsDrain = state.withLock { state in
            precondition(!state.closed, "a folder was submitted after the publisher finished")
            state.pending += items
            defer { state.draining = true }
            return !state.draining
        }
        if startsDrain { queue.async { self.drain() } }
    }

    /// The outcomes of the folders published since the last call.
    func collect() -> [Ledger.Transition] {
        state.withLock { state in
            defer { state.published = [] }
            return state.published
        }
    }

    /// Waits until every folder submitted is published, and returns the outcomes not yet
    /// collected. The publisher takes no more folders after this.
    func finish() -> [Ledger.Transition] {
        state.withLock { $0.closed = true }
        // A drain runs until nothing is pending, and the queue is serial: this waits for it.
        queue.sync {}
        return collect()
    }

    /// Publishes what is pending, batch after batch, until nothing is.
    private func drain() {
        while true {
            let items = state.withLock { state in
                defer { state.pending = [] }
                if state.pending.isEmpty { state.draining = false }
                return state.pending
            }
            guard !items.isEmpty else { return }
            let failures = publish(items.map(\.folder), outbox)
            let outcomes = items.map { item in
                guard let error = failures[item.completed.id] else { return item.completed }
                logger.error("publishing the answer failed", metadata: ["request": "\(item.completed.id)", "error": "\(error)"])
                return .failure(of: item.completed.id, error)
            }
            state.withLock { $0.published += outcomes }
        }
    }
}
