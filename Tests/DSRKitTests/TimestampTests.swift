import DSRCore
import DSRKit
import Foundation
import Testing

/// Request and breach times are parsed by arithmetic; they must read exactly what
/// Foundation's ISO 8601 formatter reads, and refuse what it refuses.
@Suite struct TimestampTests {
    /// Foundation's reading of `text`, seconds and fractional seconds alike.
    static func foundation(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    @Test(arguments: [
        "2026-11-20T09:15:00+01:00", "2026-11-20T09:15:00Z", "2026-11-20T09:15:00-05:30", "2024-02-29T23:59:59+14:00",
        "1999-12-31T23:59:59Z", "2026-11-20T09:15:00.5Z", "2026-11-20T09:15:00.123+02:00", "2000-01-01T00:00:00-12:00",
        "2026-11-20T09:15:00+01", "2026-11-20T09:15:00+0130",
    ])
    func readsWhatTheFormatterReads(_ text: String) throws {
        let expected = try #require(Self.foundation(text))
        let parsed = try #require(Timestamp.parse(text))
        #expect((parsed.timeIntervalSince1970 * 1000).rounded() == (expected.timeIntervalSince1970 * 1000).rounded())
    }

    /// No offset, impossible dates and times (Foundation rolls 29 February 2025 into March
    /// and reads "26-11-20" as the year 26), stray characters.
    @Test(arguments: [
        "2026-11-20T09:15:00", "2026-11-20 09:15:00+01:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-11-20T24:00:00Z", "2026-11-20T09:60:00Z", "2026-11-20T09:15:00Z ", "2026-11-20", "26-11-20T09:15:00Z",
        "2026-11-20T09:15:00.Z", "2026-11-20T09:15:00+1", "", "not a time",
    ])
    func refusesWhatIsNoInstant(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func formatsAndParsesBackTheSameInstant() {
        for seconds in stride(from: -86_400.0 * 400, to: 86_400.0 * 20_000, by: 86_400.0 * 37 + 3_601) {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(Timestamp.parse(Timestamp.format(date)) == date)
        }
    }
}
