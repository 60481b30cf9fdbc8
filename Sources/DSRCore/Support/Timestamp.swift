import Foundation

/// ISO 8601 instants as request files carry and documents write them.
public enum Timestamp {
    /// Parses `2026-11-20T09:15:00+01:00` (RFC 3339: fractional seconds allowed, `Z` or an
    /// offset, also `+0100` and `+01`). Times without an offset are refused: they do not
    /// name an instant; so are dates that do not exist (30 February, 24:00), which
    /// Foundation's formatter quietly moved to the next day.
    ///
    /// By arithmetic, not `ISO8601DateFormatter`: every request file has two or three
    /// times, and the formatter was a fifth of intake's time.
    public static func parse(_ text: String) -> Date? {
        var bytes = Array(text.utf8)[...]
        func number(_ digits: Int) -> Int? {
            guard bytes.count >= digits else { return nil }
            var value = 0
            for byte in bytes.prefix(digits) {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            bytes = bytes.dropFirst(digits)
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard let byte = bytes.first, characters.utf8.contains(byte) else { return false }
            bytes = bytes.dropFirst()
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2), expect("Tt"),
              let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2),
              (1...12).contains(month), (1...CalendarDay.days(inMonth: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 60 else { return nil }
        var fraction = 0.0
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            var scale = 0.1
            var digits = 0
            while let byte = bytes.first, (0x30...0x39).contains(byte) {
                fraction += Double(byte - 0x30) * scale
                scale /= 10
                digits += 1
                bytes = bytes.dropFirst()
            }
            guard digits > 0 else { return nil }
        }
        var offset = 0
        if expect("Zz") {
            offset = 0
        } else if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            bytes = bytes.dropFirst()
            // ±HH:MM as RFC 3339 writes it; ±HHMM and ±HH as ISO 8601 also allows.
            guard let hours = number(2), hours < 24 else { return nil }
            let separated = expect(":")
            let minutes = bytes.isEmpty && !separated ? 0 : number(2)
            guard let minutes, minutes < 60 else { return nil }
            offset = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        guard bytes.isEmpty else { return nil }
        let days = CalendarDay(year: year, month: month, day: day).dayNumber
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction)
    }

    /// Formats an instant in UTC, e.g. `2026-11-20T08:15:00Z`, by arithmetic: it is written
    /// for every row of every answer, where a formatter would cost more than the row.
    /// An instant as a store held it: like `format`, with the fraction of a second when it
    /// has one (`2026-11-20T08:15:00.5Z`), to the microsecond PostgreSQL keeps.
    public static func formatExactly(_ date: Date) -> String {
        let whole = format(date)
        let microseconds = Int(((date.timeIntervalSince1970 - date.timeIntervalSince1970.rounded(.down)) * 1_000_000).rounded())
        guard microseconds > 0, microseconds < 1_000_000 else { return whole }
        var digits = String(microseconds)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return whole.dropLast() + "." + digits + "Z"
    }

    public static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = seconds - days * 86_400
        let day = CalendarDay(dayNumber: days)
        guard (0...9999).contains(day.year) else {
            func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
            return "\(day)T\(two(time / 3600)):\(two(time / 60 % 60)):\(two(time % 60))Z"
        }
        // Into one buffer: four per answer and two per ledger change add up over a night.
        return String(unsafeUninitializedCapacity: 20) { text in
            text.writeDateTime(day, secondOfDay: time, separator: "T")
            text[19] = UInt8(ascii: "Z")
            return 20
        }
    }
}
