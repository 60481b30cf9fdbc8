import Foundation

/// ISO 8601 instants as request files carry and documents write them.
public enum Timestamp {
    // Formatters are costly to make; these are made once and only read after.
    nonisolated(unsafe) private static let internetDateTime: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()
    nonisolated(unsafe) private static let fractionalDateTime: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
    private static let lock = NSLock()

    /// Parses `2026-11-20T09:15:00+01:00` (fractional seconds allowed). Times without an
    /// offset are refused: they do not name an instant.
    public static func parse(_ text: String) -> Date? {
        lock.withLock { internetDateTime.date(from: text) ?? fractionalDateTime.date(from: text) }
    }

    /// Formats an instant in UTC, e.g. `2026-11-20T08:15:00Z`, by arithmetic: it is written
    /// for every row of every answer, where a formatter would cost more than the row.
    public static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = seconds - days * 86_400
        let day = CalendarDay(dayNumber: days)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(day)T\(two(time / 3600)):\(two(time / 60 % 60)):\(two(time % 60))Z"
    }
}
