import DSRCore
import Foundation
import GRDB

extension Ledger {
    /// Deletes the details of requests closed before `cutoff` (Art. 5(1)(e): the ledger's
    /// records of requests are personal data too): their reasons, subject references,
    /// verification method, content fingerprints, file references and language go, with the
    /// reasons of exemptions from telling recipients and of lifted restrictions; the id, type, dates and outcome stay
    /// for the statistics, and so does which recipient was told when. The audit trail stays whole (it holds
    /// no identities or contents, and its chain must keep verifying), and so do the erasure
    /// references, deferred erasures and the suppression list, which later runs still need.
    /// Returns how many requests lost their details.
    @discardableResult
    public func purgeClosedRequests(closedBefore cutoff: Date, now: Date) throws -> Int {
        let purged = try write { db in
            let final = RequestState.allCases.filter(\.isFinal).map(\.rawValue)
            try db.execute(sql: """
                UPDATE request SET state_reason = NULL, subject_reference = NULL, verification_method = NULL, payload = NULL,
                    content_fingerprint = '', source_file = '', extension_reason = NULL, language = NULL, purged_at = ?
                WHERE purged_at IS NULL AND state IN (\(final.map { _ in "?" }.joined(separator: ", ")))
                    AND coalesce(completed_at, updated_at) < ?
                """, arguments: StatementArguments([now.ledgerValue] + final + [cutoff.ledgerValue]))
            let count = db.changesCount
            // Their recipient notices keep who was told when; an exemption's reason (the
            // officer's text) and content never sent go with the other details.
            try db.execute(sql: """
                UPDATE recipient_notice SET payload = NULL,
                    exemption_reason = CASE WHEN exemption_reason IS NULL THEN NULL ELSE 'details deleted under the ledger''s retention' END
                WHERE request_id IN (SELECT id FROM request WHERE purged_at = ?)
                """, arguments: [now.ledgerValue])
            // The officer's reason for lifting a restriction goes the same way.
            try db.execute(sql: """
                UPDATE restriction_lift SET reason = 'details deleted under the ledger''s retention'
                WHERE request_id IN (SELECT id FROM request WHERE purged_at = ?)
                """, arguments: [now.ledgerValue])
            if count > 0 {
                try appendAudit(db, action: "ledger retention",
                                detail: "details of \(count) requests closed before \(Timestamp.format(cutoff)) deleted", at: now)
            }
            return count
        }
        // The old rows' bytes: secure_delete zeroed them in the pages; the checkpoint takes
        // the earlier page images out of the write-ahead log.
        if purged > 0 {
            do {
                try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            } catch {
                throw DSRError.machineFault("ledger: \(SQLiteCustomerStore.describe(error))")
            }
        }
        return purged
    }

    /// How many requests the retention has left only statistics of.
    public func purgedRequestCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM request WHERE purged_at IS NOT NULL") ?? 0 }
    }
}
