import Foundation

/// ISO 8601 instants as request files carry and documents write them.
public enum Timestamp {
    /// Parses `2026-11-20T09:15:00+01:00` (fractional seconds allowed). Times without an
    /// offset are refused: they do not name an instant.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// Formats an instant in UTC, e.g. `2026-11-20T08:15:00Z`.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Formats a calendar day in a time zone, e.g. `2026-12-20`.
    public static func day(_ date: Date, in zone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = zone
        return formatter.string(from: date)
    }
}
