import Foundation

/// How an identity's values are brought to one form before matching, on both sides: the
/// request's value when it is read, the store's value when a row comes back.
///
/// One form for each kind, computed in Swift only, so that no store needs a SQL function
/// of dsr's (other applications write the same tables): emails are trimmed, put in Unicode
/// NFC and fully case-folded (`Øystein.Ås` → `øystein.ås`, `Straße` → `strasse`), without
/// the root dot a domain may end in; phones are E.164; national identity numbers are their
/// digits; exact identities are trimmed. The store is asked with the spellings a value can
/// have there (`spellings(of:layouts:)`), through the index on the column (for emails, on
/// `lower(trim(column))`).
public enum IdentityNormalization: String, Sendable, CaseIterable {
    /// Trimmed, NFC, case-folded; must look like an address.
    case email
    /// E.164, using the controller's default region (or the row's country) for national numbers.
    case phone
    /// A Norwegian fødselsnummer or D-nummer: its eleven digits, check digits verified.
    case fodselsnummer
    /// A Swedish personnummer or samordningsnummer: its twelve digits, check digit verified.
    case personnummer
    /// Trimmed, otherwise exact (customer numbers, other ids).
    case exact

    /// The normalised form of a request value, or a reason it cannot be one.
    ///
    /// - Parameter today: the day that gives a ten-digit personnummer its century.
    public func normalize(_ value: String, defaultPhoneRegion: String?, today: CalendarDay) -> Result<String, IdentityValueError> {
        guard !Self.holdsControlCharacters(value) else {
            return .failure(IdentityValueError(reason: "holds control or invisible formatting characters"))
        }
        switch self {
        case .email:
            let address = Self.foldedEmail(value)
            let parts = address.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
                  !parts[1].hasSuffix("."), !address.contains(where: \.isWhitespace) else {
                return .failure(IdentityValueError(reason: "is not an email address"))
            }
            return .success(address)
        case .phone:
            return PhoneNumber.parse(value, defaultRegion: defaultPhoneRegion)
        case .fodselsnummer:
            return NationalIdentityNumber.fodselsnummer(value)
        case .personnummer:
            return NationalIdentityNumber.personnummer(value, today: today)
        case .exact:
            let text = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return .failure(IdentityValueError(reason: "is empty")) }
            return .success(text)
        }
    }

    /// The form of a value as the store holds it, for comparing with normalised request
    /// values: emails folded as requests' are; phones in E.164, a national spelling read in
    /// `phoneRegion` (the row's country or the controller's default region), an unreadable
    /// one as it is; national identity numbers as their digits (a personnummer stored
    /// without its century as its ten digits); exact identities trimmed.
    public func storedForm(_ text: String, phoneRegion: String?) -> String {
        switch self {
        case .email: return Self.foldedEmail(text)
        case .phone: return PhoneNumber.e164(text, defaultRegion: phoneRegion) ?? text.trimmingCharacters(in: .whitespacesAndNewlines)
        case .fodselsnummer, .personnummer: return text.filter { $0.isASCII && $0.isNumber }
        case .exact: return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The spellings a store may hold of a normalised value, as `StoreQuery.normalized`
    /// compares the column; nil when there are too many to list (an email with many
    /// non-ASCII letters), and the rows holding non-ASCII text are read instead.
    ///
    /// - Parameter layouts: the phone layouts the data map adds to those dsr knows.
    public func spellings(of value: String, layouts: [String]) -> [String]? {
        switch self {
        case .email:
            // A domain may be stored with the root dot a resolver accepts (`a@b.no.`).
            return EmailSpellings.of(value).map { $0 + $0.map { $0 + "." } }
        case .phone: return PhoneSpellings.of(value, layouts: layouts)
        case .fodselsnummer: return NationalIdentityNumber.fodselsnummerSpellings(value)
        case .personnummer: return NationalIdentityNumber.personnummerSpellings(value)
        case .exact: return [value]
        }
    }

    /// Trimmed, NFC, full Unicode case folding, NFC again (folding may decompose, `İ` → `i̇`),
    /// without one root dot after the domain (`a@b.no.` is `a@b.no`).
    package static func foldedEmail(_ text: String) -> String {
        var trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasSuffix("."), trimmed.contains("@") { trimmed.removeLast() }
        guard !trimmed.utf8.allSatisfy({ $0 < 0x80 }) else { return trimmed.lowercased() }
        return trimmed.precomposedStringWithCanonicalMapping
            .folding(options: [.caseInsensitive], locale: nil)
            .precomposedStringWithCanonicalMapping
    }

    /// Whether a value holds C0/C1 control characters or invisible format characters
    /// (zero-width spaces, bidirectional overrides): never part of a real identity, and a
    /// way to make two different-looking values the same or the same-looking ones differ.
    package static func holdsControlCharacters(_ value: String) -> Bool {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.unicodeScalars.contains { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format: return true
            default: return false
            }
        }
    }
}

/// Why an identity value cannot be matched. Says nothing of the value itself.
public struct IdentityValueError: Error, Sendable, Hashable {
    public var reason: String

    package init(reason: String) {
        self.reason = reason
    }
}
