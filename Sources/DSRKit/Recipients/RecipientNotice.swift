import Crypto
import DSRCore
import Foundation

/// What one recipient must be told of one request (Art. 19): the kind of change, the
/// identity the recipient knows the person by, and for a rectification the corrected values
/// of the columns that recipient received. Nothing else of the person.
public struct RecipientNotice: Sendable, Equatable {
    public var requestID: String
    public var recipient: String
    public var type: Recipient.Notice
    public var content: Content

    /// The part that is personal data: kept in the ledger until the batch carrying it is in
    /// place, then dropped.
    public struct Content: Sendable, Codable, Equatable {
        /// When the person made the request (OpenDSR's `submitted_time`).
        public var submittedAt: Date
        /// The data map identity the recipient knows the person by, and its stored values.
        public var identity: String
        public var identityValues: [String]
        /// `table.column` → the corrected value, for a rectification.
        public var corrections: [String: String]

        enum CodingKeys: String, CodingKey {
            case submittedAt = "submitted_at", identity, identityValues = "identity_values", corrections
        }
    }

    /// The notice's id towards the recipient: a UUID (version 4 in form, as OpenDSR's
    /// `subject_request_id` must be) derived from the request and the recipient, so a
    /// redone change gives the same id and a callback finds its notice.
    public var noticeID: String {
        var bytes = Array(SHA256.hash(data: Data("dsr recipient notice\u{0}\(requestID)\u{0}\(recipient)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        let uuid = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                              bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        return uuid.uuidString.lowercased()
    }
}

extension RequestType {
    /// The Art. 19 notice a request of this type gives its recipients, if any.
    var recipientNotice: Recipient.Notice? {
        switch self {
        case .erasure: return .erasure
        case .rectification: return .rectification
        case .restriction: return .restriction
        case .access, .export, .objection, .consentWithdrawal: return nil
        }
    }
}
