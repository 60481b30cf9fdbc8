import DSRCore
import Foundation

/// How a letter writes times, days and stored values: in the controller's time zone and
/// the language's conventions, as the data map's display formats say.
struct LetterStyle {
    let language: Language
    let zone: TimeZone

    /// `21. november 2026 kl. 10:00`: a moment in the controller's zone.
    func dateTime(_ date: Date) -> String {
        date.formatted(Date.FormatStyle(date: .long, time: .shortened, locale: language.locale, timeZone: zone))
    }

    /// `21. november 2026`: a calendar day, as it is (no zone shifts it).
    func day(_ day: CalendarDay) -> String {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let date = utc.date(from: DateComponents(year: day.year, month: day.month, day: day.day))!
        return date.formatted(Date.FormatStyle(date: .long, time: .omitted, locale: language.locale,
                                               timeZone: TimeZone(identifier: "UTC")!))
    }

    /// A stored value as the column's display format shows it; as stored when the format
    /// does not fit the value (a letter never hides what the answer files hold).
    /// - Parameter currency: a money amount's ISO 4217 code (`DisplayFormat.Money.currency(in:)`);
    ///   nil shows the amount as a number.
    func value(_ value: StoreValue, format: DisplayFormat?, currency: String?, phrases: PhraseBook) -> String {
        if case .null = value { return "–" }
        if case .blob(let data) = value { return "(\(data.count) bytes)" }
        let stored = Self.visible(value.canonicalText)
        switch format {
        case nil: return stored
        case .date:
            return CalendarDay(iso: String(stored.prefix(10))).map(day) ?? stored
        case .datetime:
            // A column of moments may hold bare days (an end date): shown as the day.
            return Timestamp.storedMoment(stored).map(dateTime) ?? CalendarDay(iso: stored).map(day) ?? stored
        case .boolean:
            switch stored.lowercased() {
            case "1", "true", "t", "yes": return phrases.text("yes")
            case "0", "false", "f", "no": return phrases.text("no")
            default: return stored
            }
        case .money(let money):
            guard let amount = Decimal(string: stored, locale: Locale(identifier: "en_US_POSIX")) else { return stored }
            let major = value.isInteger ? amount / pow(10, money.minorUnits) : amount
            guard let currency else {
                return major.formatted(.number.precision(.fractionLength(money.minorUnits)).locale(language.locale))
            }
            return major.formatted(.currency(code: currency).locale(language.locale))
        case .enumeration(let labels):
            return labels[stored]?[language] ?? stored
        }
    }

    /// The text with each character a page or an email cannot carry (control characters
    /// but tab and line breaks, noncharacters) written as its code, `⟨U+0001⟩`: the letter
    /// shows what is stored without breaking the page.
    static func visible(_ text: String) -> String {
        func shown(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: return true
            case 0x00...0x1F, 0x7F...0x9F, 0xFDD0...0xFDEF: return false
            default: return scalar.value & 0xFFFE != 0xFFFE
            }
        }
        guard !text.unicodeScalars.allSatisfy(shown) else { return text }
        return text.unicodeScalars.map { shown($0) ? String($0) : String(format: "⟨U+%04X⟩", $0.value) }.joined()
    }

}

private extension StoreValue {
    var isInteger: Bool {
        if case .integer = self { return true }
        return false
    }
}
