import DSRCore
import Foundation

/// Carries out a resolved batch: writes its answers and makes its store changes, on one
/// thread or two as the batch's schedule says. Finished folders go to the publisher;
/// what comes back are the requests that failed or wait.
struct BatchRunner: Sendable {
    let answers: AnswerStage
    let changes: StoreChangeStage
    let publisher: OutboxPublisher
    let store: CustomerStore
    /// Connections of their own that answers are read through beside the changes; fewer
    /// than two when the store cannot give them.
    let readers: [CustomerStore]
    let clock: @Sendable () -> Date

    /// What a batch left to record, and the time its answers and changes took (answers on
    /// two threads add up).
    struct Outcome {
        var transitions: [Ledger.Transition]
        var answerSeconds: Double
        var changeSeconds: Double
    }

    func run(_ batch: ResolvedBatch) -> Outcome {
        let queue = AnswerQueue(batch.answers)
        let changing = batch.changes
        let answered: [(result: [Ledger.Transition], seconds: Double)]
        let changed: (result: [Ledger.Transition], seconds: Double)
        switch BatchSchedule.choose(readers: readers.count, answering: batch.answers.compactMap(\.subject),
                                    changing: changing.compactMap(\.subject)) {
        case .sequential:
            answered = [answer(queue, using: store)]
            changed = change(changing)
        case .changesBesideAnswers:
            let (first, (changedBeside, second)) = concurrently({ answer(queue, using: readers[0]) },
                                                                { (change(changing), answer(queue, using: readers[1])) })
            (answered, changed) = ([first, second], changedBeside)
        case .answersFirst:
            let (first, second) = concurrently({ answer(queue, using: readers[0]) }, { answer(queue, using: readers[1]) })
            (answered, changed) = ([first, second], change(changing))
        }
        return Outcome(transitions: batch.reviews + answered.flatMap(\.result) + changed.result,
                       answerSeconds: answered.map(\.seconds).reduce(0, +), changeSeconds: changed.seconds)
    }

    private func answer(_ queue: AnswerQueue, using reader: CustomerStore) -> (result: [Ledger.Transition], seconds: Double) {
        PhaseTimer.measured { answers.answer(from: queue, using: reader, publishingWith: publisher, now: clock()) }
    }

    private func change(_ items: [ResolvedRequest]) -> (result: [Ledger.Transition], seconds: Double) {
        PhaseTimer.measured { changes.carryOut(items, publishingWith: publisher, now: clock()) }
    }
}
