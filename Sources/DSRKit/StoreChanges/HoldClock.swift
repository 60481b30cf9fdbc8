import DSRCore
/// Whether a row is under its table's statutory hold today, and until when: what every
/// store change asks before it touches a row (erasure defers held rows, rectification
/// leaves them as they are: bookkeeping records are corrected by new records).
struct HoldClock: Sendable {
    /// The controller's today: holds ending before it are over.
    let today: CalendarDay
    let fiscalYearEnd: MonthDay

    /// The last day the row is held, or nil when its table has no hold or the hold ended
    /// before today.
    func standingHold(on row: SubjectRow, of table: MappedTable) throws -> CalendarDay? {
        guard let hold = table.hold else { return nil }
        guard case .text(let text) = row.holdDate ?? .null, let day = CalendarDay(iso: text) else {
            throw DSRError.badInput("table '\(table.name)': a row's hold date (\(hold.dateColumn)) is not an ISO 8601 date; nothing was changed")
        }
        let lastDay = hold.lastDayHeld(rowDate: day, fiscalYearEnd: fiscalYearEnd)
        return lastDay >= today ? lastDay : nil
    }
}
