import Foundation

/// Art. 12(3) deadlines: one calendar month after receipt, in the controller's time zone.
public enum DueDate {
    /// The day one month after the day of receipt; a day the next month lacks becomes its
    /// last day (received 31 January → 28 or 29 February).
    public static func oneMonthAfter(_ received: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let day = calendar.dateComponents([.year, .month, .day], from: received)
        var next = DateComponents(year: day.year, month: day.month! + 1, day: 1)
        let firstOfNextMonth = calendar.date(from: next)!
        let daysInNextMonth = calendar.range(of: .day, in: .month, for: firstOfNextMonth)!.count
        next.day = min(day.day!, daysInNextMonth)
        return Timestamp.day(calendar.date(from: next)!, in: zone)
    }
}
