import Foundation

/// A legal duty to keep rows (Art. 17(3)(b)): erasure of a held row is deferred until the
/// hold ends, counted from a date of the row.
public struct RetentionRule: Sendable, Hashable {
    /// The law that requires keeping, as receipts and the ledger name it.
    public var basis: String
    /// How many years the rows are kept.
    public var years: Int
    /// Where the years start counting.
    public var countsFrom: CountsFrom
    /// The column holding the row's date: of the table itself, or `table.column` of a
    /// table on its path to the subject (an order line is kept as long as its order).
    public var dateColumn: String

    public enum CountsFrom: String, Sendable, Hashable, CaseIterable {
        /// The end of the fiscal year the date falls in.
        case fiscalYearEnd = "fiscal-year-end"
        /// The end of the calendar year in which the fiscal year of the date ended.
        case calendarYearOfFiscalYearEnd = "calendar-year-of-fiscal-year-end"
        /// The end of the calendar year of the date.
        case calendarYearEnd = "calendar-year-end"
        /// The date itself.
        case date
    }

    /// Statutory rules dsr knows by name.
    public enum Preset: String, Sendable, CaseIterable {
        /// Bokføringsloven § 13: primary documentation 5 years after the fiscal year's end.
        case norwayBookkeeping = "norway-bookkeeping"
        /// Bokföringslagen 7 kap. 2 §: through the 7th year after the end of the calendar
        /// year in which the fiscal year ended.
        case swedenBookkeeping = "sweden-bookkeeping"
        /// HGB § 257 / AO § 147: booking vouchers 8 years from the end of the calendar year
        /// (since 2025).
        case germanyVouchers = "germany-vouchers"
        /// HGB § 257 / AO § 147: books, inventories and annual accounts 10 years.
        case germanyBooks = "germany-books"

        public func rule(dateColumn: String) -> RetentionRule {
            switch self {
            case .norwayBookkeeping:
                return RetentionRule(basis: "Bokføringsloven § 13 (5 years after the end of the fiscal year)",
                                     years: 5, countsFrom: .fiscalYearEnd, dateColumn: dateColumn)
            case .swedenBookkeeping:
                return RetentionRule(basis: "Bokföringslagen 7 kap. 2 § (through the 7th year after the calendar year in which the fiscal year ended)",
                                     years: 7, countsFrom: .calendarYearOfFiscalYearEnd, dateColumn: dateColumn)
            case .germanyVouchers:
                return RetentionRule(basis: "HGB § 257 / AO § 147 (booking vouchers, 8 years after the end of the calendar year)",
                                     years: 8, countsFrom: .calendarYearEnd, dateColumn: dateColumn)
            case .germanyBooks:
                return RetentionRule(basis: "HGB § 257 / AO § 147 (books and annual accounts, 10 years after the end of the calendar year)",
                                     years: 10, countsFrom: .calendarYearEnd, dateColumn: dateColumn)
            }
        }
    }

    public init(basis: String, years: Int, countsFrom: CountsFrom, dateColumn: String) {
        self.basis = basis
        self.years = years
        self.countsFrom = countsFrom
        self.dateColumn = dateColumn
    }

    /// The last day of the hold for a row dated `day`; the row may be erased from the next
    /// day on. `fiscalYearEnd` is the month and day the controller's fiscal year ends.
    public func lastDayHeld(rowDate day: CalendarDay, fiscalYearEnd: MonthDay) -> CalendarDay {
        switch countsFrom {
        case .date:
            return day.adding(years: years)
        case .calendarYearEnd:
            return CalendarDay(year: day.year + years, month: 12, day: 31)
        case .fiscalYearEnd:
            return fiscalYearEnd.end(ofFiscalYearContaining: day).adding(years: years)
        case .calendarYearOfFiscalYearEnd:
            return CalendarDay(year: fiscalYearEnd.end(ofFiscalYearContaining: day).year + years, month: 12, day: 31)
        }
    }
}

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
    public func adding(years: Int) -> CalendarDay {
        let target = year + years
        return CalendarDay(year: target, month: month, day: min(day, Self.days(inMonth: month, year: target)))
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func days(inMonth month: Int, year: Int) -> Int {
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

extension RetentionRule {
    /// The table and column of `dateColumn`: `table.column`, or a bare column of `defaultTable`.
    public func dateColumnParts(defaultTable: String) -> (table: String, column: String) {
        guard let dot = dateColumn.lastIndex(of: ".") else { return (defaultTable, dateColumn) }
        return (String(dateColumn[..<dot]), String(dateColumn[dateColumn.index(after: dot)...]))
    }
}
