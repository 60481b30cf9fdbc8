import DSRCore
import Foundation

/// A request from a data subject, as read from a request file and validated against the
/// data map.
public struct DataSubjectRequest: Sendable, Equatable, Codable {
    /// `[A-Za-z0-9._-]{1,64}`: safe as a folder name, unique in the ledger.
    public var id: String
    public var type: RequestType
    /// When it reached the controller; starts the clock.
    public var receivedAt: Date
    /// The identities by data-map name, values already normalised.
    public var identities: [String: String]
    public var verification: Verification?
    public var formats: [OutputFormat]
    /// Rectification: `table.column` → new value.
    public var changes: [String: String]
    /// Objection and consent withdrawal.
    public var scope: Scope?
    public var note: String?
    /// The language the person asked to be written to in; the controller's default when nil.
    public var language: Language?

    public init(id: String, type: RequestType, receivedAt: Date, identities: [String: String],
                verification: Verification?, formats: [OutputFormat], changes: [String: String],
                scope: Scope?, note: String?, language: Language? = nil) {
        self.id = id
        self.type = type
        self.receivedAt = receivedAt
        self.identities = identities
        self.verification = verification
        self.formats = formats
        self.changes = changes
        self.scope = scope
        self.note = note
        self.language = language
    }

    public struct Verification: Sendable, Equatable, Codable {
        public var method: String
        public var verifiedAt: Date
    }

    public struct Scope: Sendable, Equatable, Codable {
        public var purposes: [String]
        public var channels: [String]
    }
}
