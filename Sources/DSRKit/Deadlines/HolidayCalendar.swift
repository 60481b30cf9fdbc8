import DSRCore
/// Public holidays, on which (as on weekends) an answer is not due: a due date falling on
/// one moves to the next working day.
public enum HolidayCalendar: String, Sendable, CaseIterable {
    /// Norway: helligdager (lov om helligdager og helligdagsfred) and 1 and 17 May.
    case norway = "NO"
    /// Sweden: allmänna helgdagar, plus midsummer, Christmas and New Year's Eves, which
    /// offices keep closed.
    case sweden = "SE"
    /// Weekends only.
    case none

    /// The holidays of a year.
    public func holidays(in year: Int) -> Set<CalendarDay> {
        let easter = Self.easterSunday(year)
        func fixed(_ month: Int, _ day: Int) -> CalendarDay { CalendarDay(year: year, month: month, day: day) }
        switch self {
        case .none:
            return []
        case .norway:
            return [fixed(1, 1), easter.adding(days: -3), easter.adding(days: -2), easter, easter.adding(days: 1),
                    fixed(5, 1), fixed(5, 17), easter.adding(days: 39), easter.adding(days: 49), easter.adding(days: 50),
                    fixed(12, 25), fixed(12, 26)]
        case .sweden:
            let midsummerEve = Self.first(.friday, from: fixed(6, 19))
            let allSaints = Self.first(.saturday, from: fixed(10, 31))
            return [fixed(1, 1), fixed(1, 6), easter.adding(days: -2), easter, easter.adding(days: 1), fixed(5, 1),
                    easter.adding(days: 39), easter.adding(days: 49), fixed(6, 6), midsummerEve, midsummerEve.adding(days: 1),
                    allSaints, fixed(12, 24), fixed(12, 25), fixed(12, 26), fixed(12, 31)]
        }
    }

    /// Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm).
    public static func easterSunday(_ year: Int) -> CalendarDay {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CalendarDay(year: year, month: month, day: day)
    }

    private static func first(_ weekday: CalendarDay.Weekday, from day: CalendarDay) -> CalendarDay {
        var day = day
        while day.weekday != weekday { day = day.adding(days: 1) }
        return day
    }
}

/// The working days of a controller: weekends and the holidays of its calendar, plus
/// dates its configuration adds, are not working days.
public struct DeadlineCalendar: Sendable {
    public var holidays: HolidayCalendar
    public var extraHolidays: Set<CalendarDay>

    public init(holidays: HolidayCalendar, extraHolidays: Set<CalendarDay> = []) {
        self.holidays = holidays
        self.extraHolidays = extraHolidays
    }

    public func isWorkingDay(_ day: CalendarDay) -> Bool {
        day.weekday != .saturday && day.weekday != .sunday
            && !holidays.holidays(in: day.year).contains(day) && !extraHolidays.contains(day)
    }

    /// The day itself if it is a working day, else the next one that is.
    public func rolledToWorkingDay(_ day: CalendarDay) -> CalendarDay {
        var day = day
        while !isWorkingDay(day) { day = day.adding(days: 1) }
        return day
    }
}
