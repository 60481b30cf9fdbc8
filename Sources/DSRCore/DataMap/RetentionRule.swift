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
    /// The statutory rule the map named (`rule:`), whose basis letters give in the reader's
    /// language; nil for a rule the map spelled out.
    public var preset: Preset?

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
            var rule = spelledOut(dateColumn: dateColumn)
            rule.preset = self
            return rule
        }

        private func spelledOut(dateColumn: String) -> RetentionRule {
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

extension RetentionRule {
    /// The table and column of `dateColumn`: `table.column`, or a bare column of `defaultTable`.
    public func dateColumnParts(defaultTable: String) -> (table: String, column: String) {
        guard let dot = dateColumn.lastIndex(of: ".") else { return (defaultTable, dateColumn) }
        return (String(dateColumn[..<dot]), String(dateColumn[dateColumn.index(after: dot)...]))
    }
}
