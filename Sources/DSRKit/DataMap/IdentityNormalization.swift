import Foundation

/// How an identity's values are brought to one form before matching, on both sides: the
/// request's value in Swift, the store's column in SQL.
public enum IdentityNormalization: String, Sendable, CaseIterable {
    /// Trimmed and case-folded; must look like an address.
    case email
    /// E.164, using the controller's default region for national numbers.
    case phone
    /// Trimmed, otherwise exact (customer numbers, national ids).
    case exact

    /// The normalised form of a request value, or a reason it cannot be one.
    public func normalize(_ value: String, defaultPhoneRegion: String?) -> Result<String, IdentityValueError> {
        switch self {
        case .email:
            let address = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            let parts = address.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
                  !address.contains(where: \.isWhitespace) else {
                return .failure(IdentityValueError(reason: "is not an email address"))
            }
            return .success(address)
        case .phone:
            guard let number = PhoneNumber.e164(value, defaultRegion: defaultPhoneRegion) else {
                return .failure(IdentityValueError(reason: defaultPhoneRegion == nil
                    ? "is not a phone number in international form (+<country code><number>)"
                    : "is not a phone number"))
            }
            return .success(number)
        case .exact:
            let text = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return .failure(IdentityValueError(reason: "is empty")) }
            return .success(text)
        }
    }
}

/// Why an identity value cannot be matched. Says nothing of the value itself.
public struct IdentityValueError: Error, Sendable, Hashable {
    public var reason: String
}
