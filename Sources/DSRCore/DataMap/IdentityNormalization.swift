import Foundation

/// How an identity's values are brought to one form before matching, on both sides: the
/// request's value when it is read, the store's value when a row comes back.
///
/// One form for each kind, computed in Swift only, so that no store needs a SQL function
/// of dsr's (other applications write the same tables): emails are trimmed, put in Unicode
/// NFC and fully case-folded (`Øystein.Ås` → `øystein.ås`, `Straße` → `strasse`); phones
/// are E.164; exact identities are trimmed. The store is asked with the spellings that fold
/// to a value (`EmailSpellings`), through the index on `lower(trim(column))`.
public enum IdentityNormalization: String, Sendable, CaseIterable {
    /// Trimmed, NFC, case-folded; must look like an address.
    case email
    /// E.164, using the controller's default region for national numbers.
    case phone
    /// Trimmed, otherwise exact (customer numbers, national ids).
    case exact

    /// The normalised form of a request value, or a reason it cannot be one.
    public func normalize(_ value: String, defaultPhoneRegion: String?) -> Result<String, IdentityValueError> {
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
            switch PhoneNumber.parse(value, defaultRegion: defaultPhoneRegion) {
            case .success(let number): return .success(number)
            case .failure(let error): return .failure(error)
            }
        case .exact:
            let text = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return .failure(IdentityValueError(reason: "is empty")) }
            return .success(text)
        }
    }

    /// The form of a value as the store holds it, for comparing with normalised request
    /// values: emails folded as requests' are, phones as they are (stored in E.164), exact
    /// identities trimmed.
    public func storedForm(_ text: String) -> String {
        switch self {
        case .email: return Self.foldedEmail(text)
        case .phone: return text
        case .exact: return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Trimmed, NFC, full Unicode case folding, NFC again (folding may decompose, `İ` → `i̇`).
    package static func foldedEmail(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
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
