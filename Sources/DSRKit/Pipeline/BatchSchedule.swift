import DSRCore
/// How a batch's answers and store changes share the machine's two cores.
enum BatchSchedule: Equatable {
    /// One thread, answers then changes: the store gives no connection to read through
    /// beside its writer.
    case sequential
    /// Answers on one thread; the changes on the other, which then takes what is left of
    /// the answers.
    case changesBesideAnswers
    /// Answers on both threads, then the changes: someone in the batch is both answered
    /// and changed, and an access answer shows the person as they were before the change.
    case answersFirst

    /// The schedule for a batch, from how many reader connections the store gave and the
    /// people the batch answers and changes.
    static func choose<Key: Hashable>(readers: Int, answering: [Key], changing: [Key]) -> BatchSchedule {
        guard readers >= 2 else { return .sequential }
        return Set(answering).isDisjoint(with: changing) ? .changesBesideAnswers : .answersFirst
    }
}
