import DSRCore
import Foundation
import GRDB

/// A request as the ledger keeps it.
///
/// The request's personal content (identities, changes, note) is kept in `payload` only
/// until the request is final; afterwards only the pseudonymous `subjectReference` is left.
public struct LedgerRequest: Sendable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "request"

    public var id: String
    public var type: RequestType
    public var state: RequestState
    /// Why the request is in its state, for the officer; never personal data.
    public var stateReason: String?
    public var receivedAt: Date
    /// The calendar day the answer is due, in the controller's time zone (`yyyy-MM-dd`).
    public var dueDate: String
    /// The unrolled one-month date the due date is computed from.
    public var baseDueDate: String
    /// Whether the Art. 12(3) extension was taken, and why.
    public var extended: Bool
    public var extensionReason: String?
    /// Whole days the clock stood still for identity verification, and since when it
    /// stands still now.
    public var pausedDays: Int
    public var pausedAt: Date?
    /// How many runs failed on this request.
    public var attempts: Int
    public var verificationMethod: String?
    public var verifiedAt: Date?
    /// The keyed HMAC of the resolved subject; nil until resolved.
    public var subjectReference: String?
    /// The whole request as JSON while it is not final.
    public var payload: String?
    /// A keyed HMAC of the request's content, to tell a harmless resubmission from a clash.
    public var contentFingerprint: String
    /// Whether the officer confirmed a request held back as a repeat (Art. 12(5)).
    public var repeatConfirmed: Bool = false
    /// The language the person asked to be written to in; kept when the content goes.
    public var language: Language?
    /// A keyed reference to the name of the file it arrived in (`file-…`): names may be
    /// personal data, and the audit trail is kept for ever.
    public var sourceFile: String
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?
    /// When the ledger's retention deleted the request's details (`ledger_retention`),
    /// leaving its id, type, dates and outcome for the statistics.
    public var purgedAt: Date? = nil

    enum CodingKeys: String, CodingKey {
        case id, type, state, stateReason = "state_reason", receivedAt = "received_at", dueDate = "due_date"
        case baseDueDate = "base_due_date", extended, extensionReason = "extension_reason", pausedDays = "paused_days"
        case pausedAt = "paused_at", attempts
        case verificationMethod = "verification_method", verifiedAt = "verified_at"
        case subjectReference = "subject_reference", payload, contentFingerprint = "content_fingerprint"
        case repeatConfirmed = "repeat_confirmed", language
        case sourceFile = "source_file", createdAt = "created_at", updatedAt = "updated_at", completedAt = "completed_at"
        case purgedAt = "purged_at"

        /// The columns in declaration order, the order `insertRow` binds them in (a new
        /// request is never purged).
        static let allColumns = [id, type, state, stateReason, receivedAt, dueDate, baseDueDate, extended, extensionReason,
                                 pausedDays, pausedAt, attempts, verificationMethod, verifiedAt, subjectReference, payload,
                                 contentFingerprint, repeatConfirmed, language, sourceFile, createdAt, updatedAt, completedAt].map(\.stringValue)
    }

    /// Inserts the request through one cached statement: GRDB's record insert encodes the
    /// record through `Encodable` and its container on every call, which was a quarter of
    /// intake's time for a night of 10,000 requests.
    func insertRow(_ db: Database) throws {
        let columns = CodingKeys.allColumns
        try db.cachedStatement(sql: "INSERT INTO request (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))")
            .execute(arguments: [id, type.rawValue, state.rawValue, stateReason, receivedAt.ledgerValue, dueDate, baseDueDate,
                                 extended, extensionReason, pausedDays, pausedAt?.ledgerValue, attempts, verificationMethod,
                                 verifiedAt?.ledgerValue, subjectReference, payload, contentFingerprint, repeatConfirmed, language?.rawValue, sourceFile,
                                 createdAt.ledgerValue, updatedAt.ledgerValue, completedAt?.ledgerValue])
    }

    /// The deadline as recorded.
    public var deadline: RequestDeadline {
        RequestDeadline(baseDate: CalendarDay(iso: baseDueDate)!, extended: extended, pausedDays: pausedDays)
    }

    /// The full request, while the ledger still holds it.
    public func request() throws -> DataSubjectRequest? {
        guard let payload else { return nil }
        return try JSONDecoder().decode(DataSubjectRequest.self, from: Data(payload.utf8))
    }
}

extension LedgerRequest {
    /// A request as intake records it: `pending`, or `awaiting-verification` without a
    /// verified identity, due a month after receipt. The dry run plans inbox requests from
    /// the same record.
    init(received submission: Ledger.Submission, sourceFile: String, controller: Configuration.Controller, now: Date) {
        let request = submission.request
        // Under the UK rule the month starts with the identification, when it came later.
        let start = controller.identificationClock == .uk ? max(request.receivedAt, request.verification?.verifiedAt ?? request.receivedAt)
            : request.receivedAt
        let deadline = RequestDeadline(receivedAt: start, in: controller.timeZone)
        let state: RequestState = request.verification == nil ? .awaitingVerification : .pending
        self.init(id: request.id, type: request.type, state: state,
                  stateReason: state == .awaitingVerification ? "identity not yet verified" : nil,
                  receivedAt: request.receivedAt, dueDate: deadline.dueDate(in: controller.deadlineCalendar).description,
                  baseDueDate: deadline.baseDate.description, extended: false, extensionReason: nil, pausedDays: 0, pausedAt: nil,
                  attempts: 0, verificationMethod: request.verification?.method, verifiedAt: request.verification?.verifiedAt,
                  subjectReference: nil, payload: String(decoding: submission.content, as: UTF8.self),
                  contentFingerprint: submission.fingerprints[0], language: request.language, sourceFile: sourceFile,
                  createdAt: now, updatedAt: now, completedAt: nil)
    }
}
