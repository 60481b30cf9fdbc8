/// The kind of personal data a column holds, as the access report and breach notices name it.
public enum DataCategory: String, Sendable, CaseIterable, Comparable, Codable {
    case identification, contact, demographic, financial, transaction, behavioural, location
    case communication, technical, preference, consent
    /// National identity numbers (fødselsnummer, personnummer, NI numbers): identity theft.
    case nationalID = "national-id"
    /// Passwords, PINs, security answers and other credentials: account takeover.
    case credentials
    /// Personal data about criminal convictions and offences (Art. 10).
    case criminal
    // Special categories (Art. 9(1)).
    case racialOrEthnicOrigin = "racial-or-ethnic-origin"
    case politicalOpinions = "political-opinions"
    case religiousOrPhilosophicalBeliefs = "religious-or-philosophical-beliefs"
    case tradeUnionMembership = "trade-union-membership"
    case genetic, biometric, health
    case sexLifeOrOrientation = "sex-life-or-orientation"
    /// Data that is not personal on its own (ids, amounts without a person).
    case none

    /// Whether processing this category is restricted by Art. 9.
    public var isSpecialCategory: Bool {
        switch self {
        case .racialOrEthnicOrigin, .politicalOpinions, .religiousOrPhilosophicalBeliefs,
             .tradeUnionMembership, .genetic, .biometric, .health, .sexLifeOrOrientation:
            return true
        default:
            return false
        }
    }

    public static func < (lhs: DataCategory, rhs: DataCategory) -> Bool { lhs.rawValue < rhs.rawValue }
}
