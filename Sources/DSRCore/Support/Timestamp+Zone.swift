import Foundation

extension Timestamp {
    /// Parses an instant: ISO 8601 with a UTC offset, or a local time without one
    /// (`2025-10-26 02:30`, `2025-10-26T02:30:00`) read in `zone`. A local time the zone's
    /// clocks showed twice (DST ends) or skipped (DST starts) names no single instant and is
    /// refused with the reason.
    public static func parse(_ text: String, localIn zone: TimeZone) -> Result<Date, LocalTimeError> {
        if let date = parse(withSeconds(text)) { return .success(date) }
        guard let naive = naiveSeconds(text) else {
            return .failure(LocalTimeError(reason: "must be a date and time, e.g. 2026-11-21T14:37:00+01:00 (or a local time in \(zone.identifier))"))
        }
        // Every offset the zone uses around that time; a reading is valid when the zone
        // really has that offset at the instant it gives.
        let around = [-36.0, 0, 36].map { Date(timeIntervalSince1970: naive + $0 * 3600) }
        let offsets = Set(around.map { zone.secondsFromGMT(for: $0) })
        let readings = offsets.map { Date(timeIntervalSince1970: naive - Double($0)) }
            .filter { zone.secondsFromGMT(for: $0) == Int(naive - $0.timeIntervalSince1970) }
            .sorted()
        switch readings.count {
        case 1: return .success(readings[0])
        case 0: return .failure(LocalTimeError(reason: "does not exist in \(zone.identifier) (the clocks skip it when summer time starts); give a UTC offset"))
        default: return .failure(LocalTimeError(reason: "is ambiguous in \(zone.identifier) (the clocks show it twice when summer time ends); give a UTC offset"))
        }
    }

    /// A moment as stores hold it: ISO 8601 with an offset, or SQL's `YYYY-MM-DD HH:MM:SS[.fff]`
    /// without one, which is UTC (as SQLite's own date functions write it); PostgreSQL's
    /// `+00` offsets included.
    public static func storedMoment(_ text: String) -> Date? {
        let iso = text.replacingOccurrences(of: " ", with: "T")
        return parse(iso) ?? parse(iso + "Z")
    }

    /// The controller's day of a stored date or moment: a moment with an offset is
    /// converted to `zone` before its day is taken (`2020-12-31T23:30:00Z` is 1 January 2021
    /// in Oslo); a bare date, or a moment without an offset (whose zone the store does not
    /// say), is the day it names. Nil for a text that is neither.
    public static func storedDay(_ text: String, in zone: TimeZone) -> CalendarDay? {
        if text.count == 10 { return CalendarDay(iso: text) }
        if let instant = parse(text.replacingOccurrences(of: " ", with: "T")) { return CalendarDay(instant, in: zone) }
        return storedMoment(text) != nil ? CalendarDay(iso: text) : nil
    }

    /// Formats an instant as the wall-clock time of `zone` with its offset, e.g.
    /// `2025-03-31T11:00:00+02:00`.
    public static func format(_ date: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let utc = format(date.addingTimeInterval(Double(offset)))
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return String(utc.dropLast()) + String(format: "%@%02d:%02d", sign, minutes / 60, minutes % 60)
    }

    /// `2025-03-28T10:00+01:00` (minutes only, as people write it) with `:00` seconds added,
    /// and a space between date and time read as `T`.
    private static func withSeconds(_ text: String) -> String {
        var characters = Array(text.trimmingCharacters(in: .whitespaces))
        guard characters.count > 16, characters[10] == " " || characters[10] == "T" else { return text }
        characters[10] = "T"
        if characters[13] == ":", "+-Z".contains(characters[16]) { characters.insert(contentsOf: ":00", at: 16) }
        return String(characters)
    }

    /// Seconds since 1970 of a local date and time read as if it were UTC, or nil when the
    /// text is not `YYYY-MM-DD[T ]HH:MM[:SS]`.
    private static func naiveSeconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 16, let day = CalendarDay(iso: trimmed) else { return nil }
        let rest = trimmed.dropFirst(10)
        guard let separator = rest.first, separator == "T" || separator == " " else { return nil }
        let parts = rest.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isNumber) }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60 else { return nil }
        let second = parts.count == 3 ? Int(parts[2])! : 0
        guard second < 60 else { return nil }
        return Double(day.dayNumber * 86_400 + hour * 3600 + minute * 60 + second)
    }
}

/// Why a time could not be read as one instant.
public struct LocalTimeError: Error, Sendable {
    public var reason: String
}
