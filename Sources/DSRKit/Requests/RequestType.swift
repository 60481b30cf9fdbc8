import DSRCore
/// What a data subject asks for.
public enum RequestType: String, Sendable, CaseIterable, Codable {
    /// Art. 15: a copy of all their data and the facts about its processing.
    case access
    /// Art. 20: the data they provided, machine-readable.
    case export
    /// Art. 17.
    case erasure
    /// Art. 16.
    case rectification
    /// Art. 18.
    case restriction
    /// Art. 21(3): objection to direct marketing.
    case objection
    /// Art. 7(3).
    case consentWithdrawal = "consent-withdrawal"

    /// Whether the request is answered with a document of the subject's data, rather than
    /// carried out on the store.
    public var isAnswered: Bool { self == .access || self == .export }
}

/// The document formats of access and export answers.
public enum OutputFormat: String, Sendable, CaseIterable, Codable {
    case json, xml
}
