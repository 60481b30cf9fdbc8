import DSRCore
import Foundation

/// Art. 12(3) deadlines: one calendar month after receipt, counted in the controller's time
/// zone, extended by two months when the controller says so in time, moved by the whole
/// days an identity check was pending, and rolled to a working day.
public struct RequestDeadline: Sendable, Equatable, Codable {
    /// The day one month after the day of receipt, before any rolling.
    public var baseDate: CalendarDay
    /// Whether the Art. 12(3) extension by two further months was taken.
    public var extended: Bool
    /// Whole days the clock stood still for identity verification.
    public var pausedDays: Int

    public init(receivedAt: Date, in zone: TimeZone) {
        baseDate = CalendarDay(receivedAt, in: zone).adding(months: 1)
        extended = false
        pausedDays = 0
    }

    public init(baseDate: CalendarDay, extended: Bool, pausedDays: Int) {
        self.baseDate = baseDate
        self.extended = extended
        self.pausedDays = pausedDays
    }

    /// The day the answer is due.
    public func dueDate(in calendar: DeadlineCalendar) -> CalendarDay {
        calendar.rolledToWorkingDay(baseDate.adding(months: extended ? 2 : 0).adding(days: pausedDays))
    }
}
