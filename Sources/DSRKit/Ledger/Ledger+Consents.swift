import DSRCore
import Foundation
import GRDB

extension Ledger {
    /// Audits a consent import: the file's name and counts, never its rows.
    public func recordConsentImport(file: String, imported: Int, rejected: Int, now: Date) throws {
        try write { db in
            _ = try appendAudit(db, action: "consent import", detail: "\(file): \(imported) imported, \(rejected) rejected", at: now)
        }
    }

    /// The day of the last consent hygiene, if any ran.
    public func lastConsentHygieneDay() throws -> CalendarDay? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT day FROM consent_hygiene ORDER BY id DESC LIMIT 1").flatMap(CalendarDay.init(iso:))
        }
    }

    /// Records a hygiene pass with its counts.
    public func recordConsentHygiene(day: CalendarDay, expired: Int, softOptInsEnded: Int, now: Date) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO consent_hygiene (run_at, day, consents_expired, soft_opt_ins_ended) VALUES (?, ?, ?, ?)",
                           arguments: [now, day.description, expired, softOptInsEnded])
            try appendAudit(db, action: "consent hygiene",
                                 detail: "\(day): \(expired) consents expired, \(softOptInsEnded) soft opt-ins ended", at: now)
        }
    }

    /// The suppression list: each reference with the scopes (`purpose/channel`, `*` for
    /// all) it is suppressed for, and the identity names the references were made from
    /// (nil when an entry predates the names: then every identity may be on the list).
    public func suppressionScopes() throws -> (scopes: [String: Set<String>], identities: Set<String>?) {
        try read { db in
            var scopes: [String: Set<String>] = [:]
            var identities: Set<String>? = []
            let rows = try Row.fetchCursor(db, sql: "SELECT reference, scope, identity FROM suppression")
            while let row = try rows.next() {
                scopes[row[0], default: []].insert(row[1])
                if let name: String = row[2] { identities?.insert(name) } else { identities = nil }
            }
            return (scopes, identities)
        }
    }

    /// The subject references of everyone erased: never to be contacted again.
    public func erasedSubjectReferences() throws -> Set<String> {
        try read { db in Set(try String.fetchAll(db, sql: "SELECT DISTINCT subject_reference FROM store_change WHERE type = 'erasure'")) }
    }
}
