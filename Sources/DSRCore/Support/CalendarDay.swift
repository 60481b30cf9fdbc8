import Foundation

/// A date without a time, as rows and hold ends are counted in.
public struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Reads the date at the start of an ISO 8601 text (`2024-03-05`, `2024-03-05 10:00:00`,
    /// `2024-03-05T10:00:00Z`).
    public init?(iso text: String) {
        let parts = text.prefix(10).split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...CalendarDay.days(inMonth: month, year: year)).contains(day) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The day of an instant in a time zone.
    public init(_ date: Date, in zone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        self.init(year: parts.year!, month: parts.month!, day: parts.day!)
    }

    /// The same day `years` later; 29 February becomes 28 February in a common year.
    /// The first moment of the day in `zone`.
    public func start(in zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    public func adding(years: Int) -> CalendarDay {
        let target = year + years
        return CalendarDay(year: target, month: month, day: min(day, Self.days(inMonth: month, year: target)))
    }

    /// `yyyy-MM-dd`, by arithmetic: `String(format:)` goes through CoreFoundation's
    /// formatter and showed in every profile of the nightly run.
    public var description: String {
        guard (0...9999).contains(year) else { return String(format: "%04d-%02d-%02d", year, month, day) }
        return String(unsafeUninitializedCapacity: 10) { text in
            text.writeDigits(year, count: 4, at: 0)
            text[4] = UInt8(ascii: "-")
            text.writeDigits(month, count: 2, at: 5)
            text[7] = UInt8(ascii: "-")
            text.writeDigits(day, count: 2, at: 8)
            return 10
        }
    }

    /// The same day of the month `months` later; a day that month lacks becomes its last
    /// (31 January + 1 month = 28 or 29 February).
    public func adding(months: Int) -> CalendarDay {
        let index = year * 12 + (month - 1) + months
        let targetYear = index / 12, targetMonth = index % 12 + 1
        return CalendarDay(year: targetYear, month: targetMonth, day: min(day, Self.days(inMonth: targetMonth, year: targetYear)))
    }

    /// The day `days` later (earlier when negative).
    public func adding(days: Int) -> CalendarDay {
        CalendarDay(dayNumber: dayNumber + days)
    }

    /// The whole days from this day to `other` (negative when `other` is earlier).
    public func days(until other: CalendarDay) -> Int { other.dayNumber - dayNumber }

    public enum Weekday: Int, Sendable { case monday = 0, tuesday, wednesday, thursday, friday, saturday, sunday }

    public var weekday: Weekday { Weekday(rawValue: ((dayNumber + 3) % 7 + 7) % 7)! }

    /// Days since 1970-01-01 (a Thursday), proleptic Gregorian.
    package var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    package init(dayNumber: Int) {
        let z = dayNumber + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    package static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = CalendarDay(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a date"))
        }
        self = day
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The month and day a fiscal year ends on (31 December for most controllers).
public struct MonthDay: Sendable, Hashable {
    public var month: Int
    public var day: Int

    public static let december31 = MonthDay(month: 12, day: 31)

    /// Reads `MM-DD`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let month = Int(parts[0]), let day = Int(parts[1]), (1...12).contains(month),
              (1...CalendarDay.days(inMonth: month, year: 2001)).contains(day) else { return nil }
        self.init(month: month, day: day)
    }

    public init(month: Int, day: Int) {
        self.month = month
        self.day = day
    }

    /// The last day of the fiscal year a date belongs to.
    public func end(ofFiscalYearContaining date: CalendarDay) -> CalendarDay {
        let endThisYear = CalendarDay(year: date.year, month: month, day: day)
        return date <= endThisYear ? endThisYear : CalendarDay(year: date.year + 1, month: month, day: day)
    }
}

extension UnsafeMutableBufferPointer<UInt8> {
    /// Writes a non-negative number as `count` decimal digits, zero-padded, at `offset`.
    package func writeDigits(_ value: Int, count: Int, at offset: Int) {
        var rest = value
        for index in stride(from: offset + count - 1, through: offset, by: -1) {
            self[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }

    /// Writes `YYYY-MM-DD`, `separator`, `hh:mm:ss` (19 bytes) at the start; the year must
    /// have four digits.
    package func writeDateTime(_ day: CalendarDay, secondOfDay: Int, separator: Character) {
        writeDigits(day.year, count: 4, at: 0)
        self[4] = UInt8(ascii: "-")
        writeDigits(day.month, count: 2, at: 5)
        self[7] = UInt8(ascii: "-")
        writeDigits(day.day, count: 2, at: 8)
        self[10] = separator.asciiValue!
        writeDigits(secondOfDay / 3600, count: 2, at: 11)
        self[13] = UInt8(ascii: ":")
        writeDigits(secondOfDay / 60 % 60, count: 2, at: 14)
        self[16] = UInt8(ascii: ":")
        writeDigits(secondOfDay % 60, count: 2, at: 17)
    }
}
