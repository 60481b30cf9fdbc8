import Foundation
import Logging

/// Makes staged answer and receipt folders durable and moves them into place on a thread
/// of its own, so the threads that write them go on with the next batch instead of waiting
/// for the disk. Whatever was submitted while a barrier ran shares the next barrier.
///
/// A request's `completed` outcome is handed back only once its folder is durable and in
/// place; a run killed before that finds the request in progress and its folder still in
/// staging, and does it again.
final class OutboxPublisher: @unchecked Sendable {
    /// A sealed-to-be folder and the outcome its request gets once the folder is in place.
    typealias Item = (folder: StagedFolder, completed: Ledger.Transition)

    private let outbox: Outbox
    private let logger: Logger
    /// Seals, makes durable and moves a set of folders into place; returns each failure.
    private let publish: ([StagedFolder], Outbox) -> [String: Error]
    private let condition = NSCondition()
    private var pending: [Item] = []
    private var published: [Ledger.Transition] = []
    private var closed = false
    private let stopped = DispatchSemaphore(value: 0)

    init(outbox: Outbox, logger: Logger, publish: @escaping ([StagedFolder], Outbox) -> [String: Error] = StagedFolder.publish) {
        self.outbox = outbox
        self.logger = logger
        self.publish = publish
        let thread = Thread { [self] in run() }
        thread.start()
    }

    /// Queues folders to be published.
    func submit(_ items: [Item]) {
        guard !items.isEmpty else { return }
        condition.withLock {
            pending += items
            condition.signal()
        }
    }

    /// The outcomes of the folders published since the last call.
    func collect() -> [Ledger.Transition] {
        condition.withLock {
            defer { published = [] }
            return published
        }
    }

    /// Waits until every folder submitted is published, and returns the outcomes not yet
    /// collected. The publisher takes no more folders after this.
    func finish() -> [Ledger.Transition] {
        condition.withLock {
            closed = true
            condition.signal()
        }
        stopped.wait()
        return collect()
    }

    private func run() {
        condition.lock()
        while true {
            while pending.isEmpty && !closed { condition.wait() }
            if pending.isEmpty { break }
            let items = pending
            pending = []
            condition.unlock()
            let failures = publish(items.map(\.folder), outbox)
            let outcomes = items.map { item in
                guard let error = failures[item.completed.id] else { return item.completed }
                logger.error("publishing the answer failed", metadata: ["request": "\(item.completed.id)", "error": "\(error)"])
                return .failure(of: item.completed.id, error)
            }
            condition.lock()
            published += outcomes
        }
        condition.unlock()
        stopped.signal()
    }
}
