import DSRCore
import Foundation

/// Carries out a resolved batch: writes its answers and makes its store changes, on one
/// thread or two as the batch's schedule says. Finished folders go to the publisher;
/// what comes back are the requests that failed or wait. The dry run previews the batch
/// through the same stages instead.
struct BatchRunner: Sendable {
    let answers: AnswerStage
    let changes: StoreChangeStage
    let stores: StoreSet
    /// Connections of their own that answers are read through beside the changes; fewer
    /// than two when the stores cannot give them.
    let readers: [StoreSet]
    let clock: @Sendable () -> Date

    /// What a batch left to record, and the time its answers and changes took (answers on
    /// two threads add up).
    struct Outcome {
        var transitions: [Ledger.Transition]
        var answerSeconds: Double
        var changeSeconds: Double
    }

    func run(_ batch: ResolvedBatch, publishingWith publisher: OutboxPublisher) -> Outcome {
        let queue = AnswerQueue(batch.answers)
        let changing = batch.changes
        let answered: [(result: [Ledger.Transition], seconds: Double)]
        let changed: (result: [Ledger.Transition], seconds: Double)
        switch BatchSchedule.choose(readers: readers.count, answering: batch.answers.flatMap { $0.person?.segmentKeys ?? [] },
                                    changing: changing.flatMap { $0.person?.segmentKeys ?? [] }) {
        case .sequential:
            answered = [answer(queue, using: stores, publisher)]
            changed = change(changing, publisher)
        case .changesBesideAnswers:
            let (first, (changedBeside, second)) = concurrently({ answer(queue, using: readers[0], publisher) },
                                                                { (change(changing, publisher), answer(queue, using: readers[1], publisher)) })
            (answered, changed) = ([first, second], changedBeside)
        case .answersFirst:
            let (first, second) = concurrently({ answer(queue, using: readers[0], publisher) }, { answer(queue, using: readers[1], publisher) })
            (answered, changed) = ([first, second], change(changing, publisher))
        }
        return Outcome(transitions: batch.reviews + answered.flatMap(\.result) + changed.result,
                       answerSeconds: answered.map(\.seconds).reduce(0, +), changeSeconds: changed.seconds)
    }

    /// What `run` would do with the batch, writing and changing nothing: per request the
    /// transition the night would record.
    func preview(_ batch: ResolvedBatch) -> [PreviewedRequest] {
        batch.reviews.map { PreviewedRequest(transition: $0) }
            + batch.answers.map { PreviewedRequest(transition: answers.completion(of: $0, stores: stores)) }
            + changes.preview(batch.changes, now: clock())
    }

    private func answer(_ queue: AnswerQueue, using reader: StoreSet,
                        _ publisher: OutboxPublisher) -> (result: [Ledger.Transition], seconds: Double) {
        PhaseTimer.measured { answers.answer(from: queue, using: reader, publishingWith: publisher, now: clock()) }
    }

    private func change(_ items: [ResolvedRequest], _ publisher: OutboxPublisher) -> (result: [Ledger.Transition], seconds: Double) {
        PhaseTimer.measured { changes.carryOut(items, publishingWith: publisher, now: clock()) }
    }
}

extension RunContext {
    /// The runner of the night's batches, for the night and its dry run alike.
    /// - Parameter readers: connections of their own for answers beside the changes.
    func batchRunner(ledger: Ledger, readers: [StoreSet] = []) -> BatchRunner {
        let outbox = Outbox(root: configuration.outboxURL)
        return BatchRunner(answers: AnswerStage(map: map, outbox: outbox, controller: configuration.controller, keyring: keyring,
                                                letters: letters, logger: logger),
                           changes: StoreChangeStage(context: self, ledger: ledger, outbox: outbox), stores: stores,
                           readers: readers, clock: clock)
    }
}
