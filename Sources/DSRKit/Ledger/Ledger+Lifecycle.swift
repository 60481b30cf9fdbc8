import DSRCore
import Foundation
import GRDB

extension Ledger {
    /// How often a request may fail before it needs a person.
    public static let maximumAttempts = 3

    /// Marks a request's identity as verified: it is answered or carried out next run.
    public func verify(_ id: String, method: String, now: Date, controller: Configuration.Controller) throws -> LedgerRequest {
        try change(id, now: now) { record, db in
            guard record.state == .awaitingVerification else {
                throw DSRError.badInput("request '\(id)' is \(record.state.rawValue), not awaiting verification")
            }
            guard var request = try record.request() else { throw DSRError.badInput("request '\(id)' holds no content any more") }
            request.verification = .init(method: method, verifiedAt: now)
            record.payload = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
            record.verificationMethod = method
            record.verifiedAt = now
            if record.pausedAt != nil { Self.resumeClock(&record, now: now, controller: controller) }
            if controller.identificationClock == .uk {
                // The month starts with the identification (the ICO's rule).
                record.baseDueDate = RequestDeadline(receivedAt: now, in: controller.timeZone).baseDate.description
                record.pausedDays = 0
                record.dueDate = record.deadline.dueDate(in: controller.deadlineCalendar).description
            }
            record.state = .pending
            record.stateReason = nil
            return ("verified", "by \(method); due \(record.dueDate)")
        }
    }

    /// Cancels an open request; its personal content leaves the ledger.
    public func cancel(_ id: String, reason: String, now: Date) throws -> LedgerRequest {
        try change(id, now: now) { record, _ in
            record.state = .cancelled
            record.stateReason = reason
            record.payload = nil
            record.completedAt = now
            return ("state", "cancelled: \(reason)")
        }
    }

    /// The requests that may still lack a notice to their person: those awaiting
    /// verification, those extended and not yet answered, and those refused or cancelled
    /// since `since` (older ones had their nights to get theirs).
    public func noticeCandidates(since: Date) throws -> [LedgerRequest] {
        try read { db in
            try LedgerRequest.fetchAll(db, sql: """
                SELECT * FROM request
                WHERE state = 'awaiting-verification'
                   OR (extended AND state NOT IN ('completed', 'rejected', 'cancelled'))
                   OR (state IN ('rejected', 'cancelled') AND updated_at >= ?)
                ORDER BY received_at, id
                """, arguments: [since])
        }
    }

    /// Settles a request that needs review: run it again, or reject it with a reason.
    public func review(_ id: String, retry: Bool, reason: String?, now: Date) throws -> LedgerRequest {
        try change(id, now: now) { record, _ in
            guard record.state == .needsReview || record.state == .failed else {
                throw DSRError.badInput("request '\(id)' is \(record.state.rawValue), not needs-review or failed")
            }
            if retry {
                record.state = .pending
                record.stateReason = reason
                record.attempts = 0
                // A repeat the officer sends on is carried out however recent the last one.
                record.repeatConfirmed = true
                return ("state", "pending after review" + (reason.map { ": \($0)" } ?? ""))
            }
            record.state = .rejected
            record.stateReason = reason ?? "rejected after review"
            record.payload = nil
            record.completedAt = now
            return ("state", "rejected after review: \(record.stateReason!)")
        }
    }

    /// Settles a request that needs review by adding identities (already normalised): the
    /// next run answers for the one person all its identities agree on, or puts it back
    /// with the reason. The audit trail names the identities, never their values.
    public func review(_ id: String, adding identities: [String: String], now: Date) throws -> LedgerRequest {
        try change(id, now: now) { record, _ in
            guard record.state == .needsReview else {
                throw DSRError.badInput("request '\(id)' is \(record.state.rawValue), not needs-review")
            }
            guard var request = try record.request() else { throw DSRError.badInput("request '\(id)' holds no content any more") }
            for (name, value) in identities.sorted(by: { $0.key < $1.key }) {
                if let named = request.identities[name], named != value {
                    throw DSRError.badInput("request '\(id)' already names the identity '\(name)' with another value; reject it and ask for a new request instead")
                }
                request.identities[name] = value
            }
            record.payload = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
            record.state = .pending
            record.stateReason = "identity added after review"
            record.attempts = 0
            return ("identity added", "after review: \(identities.keys.sorted().joined(separator: ", "))")
        }
    }

    /// The latest completed request of each (subject reference, type) completed at or
    /// after `since`, for Art. 12(5) repeats: one statement for a batch, through the index on
    /// `subject_reference` (`+state` keeps SQLite off the state index, which would read
    /// every completed request of the ledger for each batch).
    public func completedRequests(of subjectReferences: Set<String>, since: Date) throws -> [RepeatKey: (id: String, completedAt: Date)] {
        guard !subjectReferences.isEmpty else { return [:] }
        return try read { db in
            var latest: [RepeatKey: (id: String, completedAt: Date)] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT id, type, subject_reference, completed_at FROM request
                WHERE subject_reference IN (SELECT value FROM json_each(?)) AND +state = 'completed' AND completed_at >= ?
                """, arguments: [String(decoding: try JSONEncoder().encode(subjectReferences.sorted()), as: UTF8.self), since])
            while let row = try rows.next() {
                guard let type = RequestType(rawValue: row["type"]) else { continue }
                let key = RepeatKey(subjectReference: row["subject_reference"], type: type)
                let completedAt: Date = row["completed_at"]
                if latest[key].map({ $0.completedAt < completedAt }) ?? true { latest[key] = (row["id"], completedAt) }
            }
            return latest
        }
    }

    /// A person and a request type, the unit Art. 12(5) repeats are counted in.
    public struct RepeatKey: Hashable, Sendable {
        public var subjectReference: String
        public var type: RequestType
    }

    /// The Art. 12(3) extension by two further months; refused after the due date.
    public func extend(_ id: String, reason: String, now: Date, controller: Configuration.Controller) throws -> LedgerRequest {
        try change(id, now: now) { record, _ in
            guard !record.extended else { throw DSRError.badInput("request '\(id)' was already extended") }
            let today = CalendarDay(now, in: controller.timeZone)
            guard today <= CalendarDay(iso: record.dueDate)! else {
                throw DSRError.badInput("request '\(id)' was due \(record.dueDate); Art. 12(3) allows an extension only before the due date")
            }
            record.extended = true
            record.extensionReason = reason
            record.dueDate = record.deadline.dueDate(in: controller.deadlineCalendar).description
            return ("extended", "due \(record.dueDate): \(reason)")
        }
    }

    /// Stops the clock while the controller waits for information to verify the identity.
    /// - Parameter reason: the state's new reason; nil keeps the one it has (the night's
    ///   own ask for identification, which the dry run plans as intake records it).
    public func pause(_ id: String, now: Date, reason: String? = "identity verification asked; the clock is paused") throws -> LedgerRequest {
        try change(id, now: now) { record, _ in
            guard record.pausedAt == nil else { throw DSRError.badInput("request '\(id)' is already paused") }
            record.pausedAt = now
            record.state = .awaitingVerification
            if let reason { record.stateReason = reason }
            return ("paused", reason == nil ? "identification asked in time: the clock is suspended until it arrives" : "")
        }
    }

    /// Starts the clock again; the due date moves by the whole days it stood still.
    public func resume(_ id: String, now: Date, controller: Configuration.Controller) throws -> LedgerRequest {
        try change(id, now: now) { record, _ in
            guard record.pausedAt != nil else { throw DSRError.badInput("request '\(id)' is not paused") }
            let days = Self.resumeClock(&record, now: now, controller: controller)
            return ("resumed", "paused \(days) day(s); due \(record.dueDate)")
        }
    }

    @discardableResult
    private static func resumeClock(_ record: inout LedgerRequest, now: Date, controller: Configuration.Controller) -> Int {
        let days = max(0, CalendarDay(record.pausedAt!, in: controller.timeZone).days(until: CalendarDay(now, in: controller.timeZone)))
        record.pausedDays += days
        record.pausedAt = nil
        record.dueDate = record.deadline.dueDate(in: controller.deadlineCalendar).description
        if record.verificationMethod != nil {
            record.state = .pending
            record.stateReason = nil
        } else {
            record.stateReason = "identity not yet verified"
        }
        return days
    }

    /// Changes one open request in one transaction with its audit entry.
    private func change(_ id: String, now: Date,
                        _ body: (inout LedgerRequest, Database) throws -> (action: String, detail: String)) throws -> LedgerRequest {
        try write { db in
            guard var record = try LedgerRequest.fetchOne(db, key: id) else {
                throw DSRError.badInput("no request with id '\(id)' in the ledger")
            }
            guard !record.state.isFinal else {
                throw DSRError.badInput("request '\(id)' is \(record.state.rawValue) already")
            }
            let (action, detail) = try body(&record, db)
            record.updatedAt = now
            try record.update(db)
            try appendAudit(db, action: action, requestID: id, detail: detail, at: now)
            return record
        }
    }
}
