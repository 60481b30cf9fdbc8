import DSRCore
import Foundation
/// Whether a row is under its table's statutory hold today, and until when: what every
/// store change asks before it touches a row (erasure defers held rows, rectification
/// leaves them as they are: bookkeeping records are corrected by new records).
struct HoldClock: Sendable {
    /// The controller's today: holds ending before it are over.
    let today: CalendarDay
    let fiscalYearEnd: MonthDay
    /// The controller's zone, in which a row's moment falls on its day (and year).
    let zone: TimeZone

    /// The last day the row is held, or nil when its table has no hold or the hold ended
    /// before today. A row's moment counts on the controller's day it falls on: an order at
    /// 23:30 UTC on 31 December is a 1 January order in Oslo.
    func standingHold(on row: SubjectRow, of table: MappedTable) throws -> CalendarDay? {
        guard let hold = table.hold else { return nil }
        guard case .text(let text) = row.holdDate ?? .null, let day = Timestamp.storedDay(text, in: zone) else {
            throw DSRError.badInput("table '\(table.name)': a row's hold date (\(hold.dateColumn)) is not an ISO 8601 date or moment; nothing was changed")
        }
        let lastDay = hold.lastDayHeld(rowDate: day, fiscalYearEnd: fiscalYearEnd)
        return lastDay >= today ? lastDay : nil
    }
}
