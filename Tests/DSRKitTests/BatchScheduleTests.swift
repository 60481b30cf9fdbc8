@testable import DSRKit
import DSRCore
import Testing

/// How a batch shares the two cores is chosen from the readers the store gave and the
/// people the batch answers and changes; an answer must never show a change of its own
/// batch.
@Suite struct BatchScheduleTests {
    let ann = StoreValue.integer(1), bo = StoreValue.integer(2), cy = StoreValue.text("3")

    @Test func withoutTwoReadersEverythingRunsOnOneThread() {
        #expect(BatchSchedule.choose(readers: 0, answering: [ann], changing: [bo]) == .sequential)
        #expect(BatchSchedule.choose(readers: 1, answering: [ann], changing: [bo]) == .sequential)
        #expect(BatchSchedule.choose(readers: 0, answering: [StoreValue](), changing: []) == .sequential)
    }

    @Test func changesRunBesideAnswersWhenNobodyIsBoth() {
        #expect(BatchSchedule.choose(readers: 2, answering: [ann, cy], changing: [bo]) == .changesBesideAnswers)
        #expect(BatchSchedule.choose(readers: 2, answering: [StoreValue](), changing: [bo]) == .changesBesideAnswers)
        #expect(BatchSchedule.choose(readers: 2, answering: [ann], changing: [StoreValue]()) == .changesBesideAnswers)
    }

    @Test func aPersonBothAnsweredAndChangedIsAnsweredFirst() {
        #expect(BatchSchedule.choose(readers: 2, answering: [ann, bo], changing: [cy, bo]) == .answersFirst)
        #expect(BatchSchedule.choose(readers: 3, answering: [ann], changing: [ann]) == .answersFirst)
    }
}
