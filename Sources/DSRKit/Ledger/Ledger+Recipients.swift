import DSRCore
import Foundation
import GRDB

extension Ledger {
    /// One night's notice file for one recipient, as the ledger knows it.
    public struct NoticeBatch: Sendable, Equatable {
        public var recipient: String
        public var night: CalendarDay
        public var sequence: Int
        public var format: Recipient.NoticeFormat
        public var createdAt: Date

        /// The batch file's name in the recipient's folder: `2026-12-01-1.csv`.
        public var fileName: String { "\(night)-\(sequence).\(format.fileExtension)" }
        /// The name of the manifest beside it.
        public var manifestName: String { "\(night)-\(sequence).manifest.json" }
        /// The ledger's key for the batch: the recipient's folder and the file name.
        var key: String { "\(recipient)/\(fileName)" }
    }

    /// Where a notice stands: waiting for tonight's batch, sent, acknowledged, or exempted.
    public struct NoticeStatus: Sendable, Codable, Equatable {
        public var requestID: String
        public var recipient: String
        public var type: String
        public var noticeID: String
        /// The batch file (recipient folder and name) that carries it, once batched.
        public var batch: String?
        public var notifiedAt: Date?
        public var acknowledgedAt: Date?
        public var acknowledgedVia: String?
        public var exemptedAt: Date?
        public var exemptionReason: String?

        enum CodingKeys: String, CodingKey {
            case requestID = "request_id", recipient, type, noticeID = "notice_id", batch, notifiedAt = "notified_at"
            case acknowledgedAt = "acknowledged_at", acknowledgedVia = "acknowledged_via", exemptedAt = "exempted_at"
            case exemptionReason = "exemption_reason"
        }

        /// `to be sent`, `notified`, `acknowledged` or `exempted`.
        public var state: String {
            if exemptedAt != nil { return "exempted" }
            if acknowledgedAt != nil { return "acknowledged" }
            return notifiedAt == nil ? "to be sent" : "notified"
        }
    }

    /// Records notices with the change they tell of, in its transaction; a notice already
    /// recorded (a redone change) keeps what the first run read before the store changed.
    static func insert(_ notices: [RecipientNotice], now: Date, _ db: Database) throws {
        guard !notices.isEmpty else { return }
        let recordedAt = now.ledgerValue
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for notice in notices {
            let payload = String(decoding: try encoder.encode(notice.content), as: UTF8.self)
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO recipient_notice (request_id, recipient, type, notice_id, payload, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [notice.requestID, notice.recipient, notice.type.rawValue, notice.noticeID, payload, recordedAt])
        }
    }

    /// Puts every notice of a completed request not yet in a batch (nor exempted) into a new
    /// batch per recipient for `night`, numbered after that night's earlier batches, in one
    /// transaction: a notice is in one batch or none. Notices for recipients the data map
    /// no longer declares wait. Returns the batches made.
    @discardableResult
    public func batchNotices(night: CalendarDay, formats: [String: Recipient.NoticeFormat], now: Date) throws -> [NoticeBatch] {
        try write { db in
            let waiting = try String.fetchAll(db, sql: """
                SELECT DISTINCT recipient_notice.recipient FROM recipient_notice JOIN request ON request.id = recipient_notice.request_id
                WHERE recipient_notice.batch IS NULL AND recipient_notice.exempted_at IS NULL AND request.state = 'completed'
                ORDER BY recipient_notice.recipient
                """)
            var batches: [NoticeBatch] = []
            for recipient in waiting {
                guard let format = formats[recipient] else { continue }
                let last = try Int.fetchOne(db, sql: "SELECT max(seq) FROM recipient_batch WHERE recipient = ? AND night = ?",
                                            arguments: [recipient, night.description]) ?? 0
                let batch = NoticeBatch(recipient: recipient, night: night, sequence: last + 1, format: format, createdAt: now)
                try db.execute(sql: """
                    INSERT INTO recipient_batch (file, recipient, night, seq, format, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [batch.key, recipient, night.description, batch.sequence, format.rawValue, now.ledgerValue])
                try db.execute(sql: """
                    UPDATE recipient_notice SET batch = ? WHERE recipient = ? AND batch IS NULL AND exempted_at IS NULL
                        AND request_id IN (SELECT id FROM request WHERE state = 'completed')
                    """, arguments: [batch.key, recipient])
                batches.append(batch)
            }
            return batches
        }
    }

    /// The batches made but not yet written (a run stopped in between writes them next).
    public func unwrittenBatches() throws -> [NoticeBatch] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM recipient_batch WHERE written_at IS NULL ORDER BY created_at, file").map { row in
                NoticeBatch(recipient: row["recipient"], night: CalendarDay(iso: row["night"])!, sequence: row["seq"],
                            format: Recipient.NoticeFormat(rawValue: row["format"])!, createdAt: row["created_at"])
            }
        }
    }

    /// The notices a batch carries, by request id.
    public func notices(in batch: NoticeBatch) throws -> [RecipientNotice] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT request_id, type, payload FROM recipient_notice WHERE batch = ? ORDER BY request_id",
                             arguments: [batch.key]).map { row in
                guard let payload: String = row["payload"] else {
                    throw DSRError.machineFault("ledger: the notices of \(batch.key) lost their content before the batch was written")
                }
                return RecipientNotice(requestID: row["request_id"], recipient: batch.recipient,
                                       type: Recipient.Notice(rawValue: row["type"])!,
                                       content: try JSONDecoder().decode(RecipientNotice.Content.self, from: Data(payload.utf8)))
            }
        }
    }

    /// Marks a batch written once its file is in place: its notices are sent, and their
    /// content, which the file now carries, leaves the ledger.
    public func markWritten(_ batch: NoticeBatch, now: Date) throws {
        try write { db in
            try db.execute(sql: "UPDATE recipient_batch SET written_at = ? WHERE file = ?", arguments: [now.ledgerValue, batch.key])
            try db.execute(sql: "UPDATE recipient_notice SET notified_at = ?, payload = NULL WHERE batch = ?",
                           arguments: [now.ledgerValue, batch.key])
            try appendAudit(db, action: "recipient notices sent", detail: "\(db.changesCount) notice(s) to \(batch.recipient) in \(batch.fileName)",
                            at: now)
        }
    }

    /// The notices of one request, or of every request.
    public func noticeStatuses(requestID: String? = nil) throws -> [NoticeStatus] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM recipient_notice \(requestID == nil ? "" : "WHERE request_id = ?") ORDER BY request_id, recipient
                """, arguments: StatementArguments(requestID.map { [$0] } ?? [])).map(Self.noticeStatus)
        }
    }

    /// Notices sent more than `days` before `now` that no recipient has acknowledged and no
    /// officer exempted, oldest first.
    public func unacknowledgedNotices(olderThan days: Int, now: Date) throws -> [NoticeStatus] {
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        return try
        read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM recipient_notice WHERE notified_at IS NOT NULL AND notified_at < ? AND acknowledged_at IS NULL
                    AND exempted_at IS NULL ORDER BY notified_at, request_id, recipient
                """, arguments: [cutoff.ledgerValue]).map(Self.noticeStatus)
        }
    }

    /// Records that a recipient acted on the notices of a batch file (all of them, or the
    /// requests named). Returns how many notices this settled; notices already settled stay
    /// as they are.
    public func acknowledge(recipient: String, batchFile: String, requestIDs: [String], via: String, now: Date) throws -> Int {
        try write { db in
            let key = "\(recipient)/\(batchFile)"
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM recipient_batch WHERE file = ? AND written_at IS NOT NULL",
                                    arguments: [key]) ?? false else {
                throw DSRError(.dataError, "no batch file '\(batchFile)' was sent to '\(recipient)'")
            }
            let known = try Set(String.fetchAll(db, sql: "SELECT request_id FROM recipient_notice WHERE batch = ?", arguments: [key]))
            if let stranger = requestIDs.first(where: { !known.contains($0) }) {
                throw DSRError(.dataError, "request '\(stranger)' is not in \(batchFile) of '\(recipient)'")
            }
            let chosen = requestIDs.isEmpty ? "" : "AND request_id IN (\(databaseQuestionMarks(count: requestIDs.count)))"
            try db.execute(sql: """
                UPDATE recipient_notice SET acknowledged_at = ?, acknowledged_via = ?
                WHERE batch = ? AND acknowledged_at IS NULL AND exempted_at IS NULL \(chosen)
                """, arguments: StatementArguments([now.ledgerValue, via.databaseValue, key.databaseValue] + requestIDs.map(\.databaseValue)))
            let settled = db.changesCount
            try appendAudit(db, action: "recipient acknowledged", detail: "\(settled) notice(s) of \(recipient) in \(batchFile), \(via)", at: now)
            return settled
        }
    }

    /// Records a recipient's acknowledgement of one notice by its id (an OpenDSR callback's
    /// `subject_request_id`). Returns whether this settled it (false: acknowledged or
    /// exempted before), or nil when no notice has that id.
    public func acknowledge(noticeID: String, via: String, now: Date) throws -> Bool? {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM recipient_notice WHERE notice_id = ?", arguments: [noticeID.lowercased()]) else {
                return nil
            }
            let status = Self.noticeStatus(row)
            guard status.acknowledgedAt == nil, status.exemptedAt == nil else { return false }
            try db.execute(sql: "UPDATE recipient_notice SET acknowledged_at = ?, acknowledged_via = ? WHERE notice_id = ?",
                           arguments: [now.ledgerValue, via, status.noticeID])
            try appendAudit(db, action: "recipient acknowledged", requestID: status.requestID, detail: "\(status.recipient), \(via)", at: now)
            return true
        }
    }

    /// Records that telling the recipient of a request is impossible or would take a
    /// disproportionate effort (Art. 19), with the officer's reason. A notice not yet in a
    /// batch is then never sent.
    public func exempt(requestID: String, recipient: String, reason: String, now: Date) throws -> NoticeStatus {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM recipient_notice WHERE request_id = ? AND recipient = ?",
                                             arguments: [requestID, recipient]) else {
                throw DSRError(.dataError, "request '\(requestID)' has no notice to '\(recipient)'")
            }
            var status = Self.noticeStatus(row)
            if status.acknowledgedAt != nil { throw DSRError(.dataError, "'\(recipient)' already acknowledged request '\(requestID)'") }
            try db.execute(sql: """
                UPDATE recipient_notice SET exempted_at = ?, exemption_reason = ?, payload = CASE WHEN batch IS NULL THEN NULL ELSE payload END
                WHERE request_id = ? AND recipient = ?
                """, arguments: [now.ledgerValue, reason, requestID, recipient])
            // The reason is the officer's text and may name the person: the trail says only that it was given.
            try appendAudit(db, action: "recipient exempted", requestID: requestID, detail: "\(recipient), reason recorded", at: now)
            status.exemptedAt = now
            status.exemptionReason = reason
            return status
        }
    }

    private static func noticeStatus(_ row: Row) -> NoticeStatus {
        let batch: String? = row["batch"]
        return NoticeStatus(requestID: row["request_id"], recipient: row["recipient"], type: row["type"], noticeID: row["notice_id"],
                            batch: batch, notifiedAt: row["notified_at"], acknowledgedAt: row["acknowledged_at"],
                            acknowledgedVia: row["acknowledged_via"], exemptedAt: row["exempted_at"],
                            exemptionReason: row["exemption_reason"])
    }
}
