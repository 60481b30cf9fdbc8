import DSRCore
import Foundation
import GRDB

/// dsr's own state: requests, their states and deadlines, and runs. A separate SQLite
/// database, never inside the customer store.
public final class Ledger: Sendable {
    let database: DatabaseQueue
    /// The ledger's file; its folder holds the run lock.
    public let url: URL
    /// Who the audit entries this ledger writes name as having acted (`--actor`, the login
    /// name, `scheduler`); nil only where no person is behind the change (tests, tools).
    public let actor: String?

    /// Opens the ledger for reading only (dry runs). Before the first run there is none yet:
    /// the reader is then an empty ledger in memory, so a dry run asks it what it asks a real
    /// one and creates no file.
    public static func readOnly(url: URL) throws -> Ledger {
        do {
            guard FileManager.default.fileExists(atPath: url.path) else {
                let empty = try DatabaseQueue()
                try migrator.migrate(empty)
                return Ledger(database: empty, url: url, actor: nil)
            }
            var configuration = GRDB.Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(30)
            return Ledger(database: try DatabaseQueue(path: url.path, configuration: configuration), url: url, actor: nil)
        } catch {
            throw DSRError.machineFault("\(url.path): cannot open the ledger (\(SQLiteCustomerStore.describe(error)))")
        }
    }

    private init(database: DatabaseQueue, url: URL, actor: String?) {
        self.database = database
        self.url = url
        self.actor = actor
    }

    /// Opens the ledger, creating it (in a 0700 folder) and migrating it as needed; what it
    /// records is recorded as done by `actor`.
    public init(url: URL, actor: String? = nil) throws {
        self.url = url
        self.actor = actor
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw DSRError.cannotCreate("\(folder.path): cannot create the ledger folder")
        }
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(30)
        configuration.journalMode = .wal
        // Raw identities are dropped when a request is final; make sure their bytes go too.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        do {
            database = try DatabaseQueue(path: url.path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw DSRError.machineFault("\(url.path): cannot open the ledger (\(SQLiteCustomerStore.describe(error)))")
        }
        chmod(url.path, 0o600)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 requests and runs") { db in
            try db.create(table: "request") { table in
                table.primaryKey("id", .text)
                table.column("type", .text).notNull()
                table.column("state", .text).notNull().indexed()
                table.column("state_reason", .text)
                table.column("received_at", .datetime).notNull()
                table.column("due_date", .text).notNull()
                table.column("verification_method", .text)
                table.column("verified_at", .datetime)
                table.column("subject_reference", .text).indexed()
                table.column("payload", .text)
                table.column("content_fingerprint", .text).notNull()
                table.column("source_file", .text).notNull()
                table.column("created_at", .datetime).notNull()
                table.column("updated_at", .datetime).notNull()
                table.column("completed_at", .datetime)
            }
            try db.create(table: "run") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("started_at", .datetime).notNull()
                table.column("finished_at", .datetime)
                table.column("summary", .text)
            }
        }
        migrator.registerMigration("v2 store changes") { db in
            try db.create(table: "store_change") { table in
                table.primaryKey("request_id", .text)
                table.column("type", .text).notNull()
                table.column("subject_reference", .text).notNull().indexed()
                table.column("receipt", .text).notNull()
                table.column("recorded_at", .datetime).notNull()
            }
            try db.create(table: "deferred_erasure") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("request_id", .text).notNull()
                table.column("subject_reference", .text).notNull()
                table.column("table_name", .text).notNull()
                table.column("row_key", .text).notNull()
                table.column("basis", .text).notNull()
                table.column("last_day_held", .text).notNull().indexed()
                table.column("created_at", .datetime).notNull()
                table.column("erased_at", .datetime)
                table.uniqueKey(["request_id", "table_name", "row_key"])
            }
            try db.create(table: "suppression") { table in
                table.column("reference", .text).notNull()
                table.column("scope", .text).notNull()
                table.column("reason", .text).notNull()
                table.column("added_at", .datetime).notNull()
                table.primaryKey(["reference", "scope"])
            }
        }
        migrator.registerMigration("v3 legal holds") { db in
            try db.create(table: "legal_hold") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("subject_reference", .text).notNull().indexed()
                table.column("reason", .text).notNull()
                table.column("placed_at", .datetime).notNull()
                table.column("lifted_at", .datetime)
            }
        }
        migrator.registerMigration("v4 deadlines") { db in
            try db.alter(table: "request") { table in
                table.add(column: "base_due_date", .text)
                table.add(column: "extended", .boolean).notNull().defaults(to: false)
                table.add(column: "extension_reason", .text)
                table.add(column: "paused_days", .integer).notNull().defaults(to: 0)
                table.add(column: "paused_at", .datetime)
            }
            try db.execute(sql: "UPDATE request SET base_due_date = due_date")
            try db.alter(table: "request") { table in
                table.add(column: "attempts", .integer).notNull().defaults(to: 0)
            }
        }
        migrator.registerMigration("v5 audit trail") { db in
            try db.create(table: "audit") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .text).notNull()
                table.column("request_id", .text).indexed()
                table.column("subject_reference", .text)
                table.column("action", .text).notNull()
                table.column("detail", .text).notNull()
                table.column("previous_hash", .text).notNull()
                table.column("hash", .text).notNull()
            }
            // Append-only: the database itself refuses edits and deletions of the trail.
            try db.execute(sql: """
                CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
                CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
                """)
        }
        migrator.registerMigration("v6 breach register") { db in
            try db.create(table: "breach") { table in
                table.primaryKey("id", .text)
                table.column("registered_at", .datetime).notNull()
                table.column("version", .integer).notNull()
                table.column("assessed_risk", .text)
                table.column("assessment_reason", .text)
                table.column("assessed_at", .datetime)
                table.column("notified_at", .datetime)
                table.column("notified_late", .boolean).notNull().defaults(to: false)
                table.column("final_at", .datetime)
                table.column("communication", .text)
                table.column("communication_detail", .text)
                table.column("communicated_at", .datetime)
                table.column("letters", .integer)
            }
            try db.create(table: "breach_version") { table in
                table.column("breach_id", .text).notNull().references("breach")
                table.column("version", .integer).notNull()
                table.column("recorded_at", .datetime).notNull()
                table.column("facts", .text).notNull()
                table.column("measurement", .text).notNull()
                table.primaryKey(["breach_id", "version"])
            }
            try db.create(table: "breach_report") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("breach_id", .text).notNull().references("breach").indexed()
                table.column("phase", .text).notNull()
                table.column("version", .integer).notNull()
                table.column("format", .text).notNull()
                table.column("written_at", .datetime).notNull()
                table.column("late", .boolean).notNull()
                table.column("file", .text).notNull()
                table.column("sha256", .text).notNull()
            }
        }
        migrator.registerMigration("v7 consent hygiene") { db in
            try db.create(table: "consent_hygiene") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("run_at", .datetime).notNull()
                table.column("day", .text).notNull()
                table.column("consents_expired", .integer).notNull()
                table.column("soft_opt_ins_ended", .integer).notNull()
            }
        }
        migrator.registerMigration("v8 suppression identity names") { db in
            // NULL for entries made before: their identity is unknown, so checks try every one.
            try db.alter(table: "suppression") { table in table.add(column: "identity", .text) }
        }
        migrator.registerMigration("v9 repeated requests") { db in
            // Set by `dsr review --retry` on a request held back as a repeat (Art. 12(5)).
            // The repeat check's lookup is served by the index on subject_reference; another
            // index would cost every state change of every request.
            try db.alter(table: "request") { table in table.add(column: "repeat_confirmed", .boolean).notNull().defaults(to: false) }
        }
        migrator.registerMigration("v10 breach submissions") { db in
            try db.create(table: "breach_submission") { table in
                table.column("breach_id", .text).notNull().references("breach")
                table.column("phase", .text).notNull()
                table.column("submitted_at", .datetime).notNull()
                table.column("channel", .text)
                table.column("reference", .text)
                table.column("late", .boolean).notNull()
                table.column("recorded_at", .datetime).notNull()
                table.primaryKey(["breach_id", "phase"])
            }
            // Writing a notification used to stop the clock; only the authority's receipt
            // does now. Breaches only drafted are on the clock again until `breach submitted`.
            try db.execute(sql: "UPDATE breach SET notified_at = NULL, notified_late = 0, final_at = NULL")
        }
        migrator.registerMigration("v11 key binding") { db in
            try db.create(table: "key_binding") { table in
                table.column("fingerprint", .text).notNull()
                table.column("recorded_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v12 legal hold references") { db in
            // A hold is found by the person's reference under any key the ledger has used,
            // so deferred rows recorded before a key rotation still meet a hold placed after.
            try db.create(table: "legal_hold_reference") { table in
                table.column("reference", .text).notNull()
                table.column("hold_id", .integer).notNull().references("legal_hold")
                table.primaryKey(["reference", "hold_id"])
            }
            try db.execute(sql: "INSERT INTO legal_hold_reference (reference, hold_id) SELECT subject_reference, id FROM legal_hold")
        }
        migrator.registerMigration("v13 file names to references") { db in
            // Ledgers of earlier versions kept request file names; `replaceFileNames` turns
            // the rows listed here into keyed references once the key is known.
            try db.create(table: "file_name_pending") { table in
                table.column("kind", .text).notNull()
                table.column("row_id", .text).notNull()
                table.primaryKey(["kind", "row_id"])
            }
            try db.execute(sql: """
                INSERT INTO file_name_pending (kind, row_id)
                SELECT 'request', id FROM request WHERE NOT (source_file GLOB 'file-[0-9a-f]*' AND length(source_file) = 21)
                """)
            try db.execute(sql: "INSERT INTO file_name_pending (kind, row_id) SELECT 'run', id FROM run WHERE summary IS NOT NULL")
        }
        migrator.registerMigration("v14 letter language") { db in
            // Kept after the request's content goes, for the letters written when it ends.
            try db.alter(table: "request") { table in table.add(column: "language", .text) }
        }
        migrator.registerMigration("v15 actors") { db in
            // NULL on entries written before: their hash covers no actor, so they still verify.
            try db.alter(table: "audit") { table in table.add(column: "actor", .text) }
        }
        migrator.registerMigration("v16 ledger retention") { db in
            try db.alter(table: "request") { table in table.add(column: "purged_at", .datetime) }
            // The status page counts requests by month of receipt.
            try db.create(index: "request_received_at", on: "request", columns: ["received_at"])
        }
        migrator.registerMigration("v17 store change parts") { db in
            // What a change did in each linked store, recorded before that store commits and
            // marked done after: a run killed between two stores' commits finishes the rest.
            try db.create(table: "store_change_part") { table in
                table.column("request_id", .text).notNull()
                table.column("store", .text).notNull()
                table.column("receipt", .text).notNull()
                table.column("recorded_at", .datetime).notNull()
                table.column("done_at", .datetime)
                table.primaryKey(["request_id", "store"])
            }
        }
        migrator.registerMigration("v18 recipient notices") { db in
            // Art. 19: what each recipient must be told of a request, recorded with the
            // store change; the payload (the identity the recipient knows the person by and
            // corrected values) goes once the batch file that carries it is in place.
            try db.create(table: "recipient_batch") { table in
                table.column("file", .text).primaryKey()
                table.column("recipient", .text).notNull()
                table.column("night", .text).notNull()
                table.column("seq", .integer).notNull()
                table.column("format", .text).notNull()
                table.column("created_at", .datetime).notNull()
                table.column("written_at", .datetime)
                table.uniqueKey(["recipient", "night", "seq"])
            }
            try db.create(table: "recipient_notice") { table in
                table.column("request_id", .text).notNull()
                table.column("recipient", .text).notNull()
                table.column("type", .text).notNull()
                table.column("notice_id", .text).notNull().unique()
                table.column("payload", .text)
                table.column("recorded_at", .datetime).notNull()
                table.column("batch", .text).references("recipient_batch")
                table.column("notified_at", .datetime)
                table.column("acknowledged_at", .datetime)
                table.column("acknowledged_via", .text)
                table.column("exempted_at", .datetime)
                table.column("exemption_reason", .text)
                table.primaryKey(["request_id", "recipient"])
            }
            try db.create(index: "recipient_notice_batch", on: "recipient_notice", columns: ["batch"])
        }
        migrator.registerMigration("v19 restriction lifts") { db in
            // Art. 18(3): a restriction is lifted only after the person is told; the letter
            // is announced here first, the store changed after, the lift recorded last.
            try db.create(table: "restriction_lift") { table in
                table.column("request_id", .text).primaryKey().references("request")
                table.column("reason", .text).notNull()
                table.column("announced_at", .datetime).notNull()
                table.column("lifted_at", .datetime)
            }
        }
        return migrator
    }

    /// Binds the ledger to the HMAC keys of its references on first use, and refuses any
    /// other set of keys after: with another key the suppression list, erased people and
    /// legal holds would stop matching, silently. A new key joins only through `rotate`.
    public func bind(keyFingerprints fingerprints: [String], now: Date) throws {
        try write { db in
            let bound = try Self.boundKeys(db)
            guard !bound.isEmpty else {
                for fingerprint in fingerprints { try recordKey(fingerprint, action: "key bound", now: now, db) }
                return
            }
            try Self.check(fingerprints, against: bound)
        }
    }

    /// Stops (78) a command reading the ledger only (the dry run) when the configured keys
    /// are not the ledger's, as `bind` stops every other: a preview made with another key
    /// finds no one's references and promises what the night will not do.
    public func checkKeys(_ fingerprints: [String]) throws {
        let bound = try read { db in try Self.boundKeys(db) }
        guard !bound.isEmpty else { return }
        try Self.check(fingerprints, against: bound)
    }

    private static func check(_ fingerprints: [String], against bound: Set<String>) throws {
        if let stranger = fingerprints.first(where: { !bound.contains($0) }) {
            throw DSRError.configuration("""
                the HMAC key (hmac_key_file, hmac_keys) is not the key this ledger's references were made with (its \
                fingerprint \(stranger.prefix(12))… is not one of the ledger's \(bound.map { "\($0.prefix(12))…" }.sorted().joined(separator: ", "))): \
                restore the ledger's key file, or add a new key with `dsr key rotate --new FILE`; nothing was done
                """)
        }
        if let missing = bound.subtracting(fingerprints).sorted().first {
            throw DSRError.configuration("""
                the ledger holds references made with a key that hmac_keys does not list (fingerprint \(missing.prefix(12))…): \
                list every key the ledger has used, the current one first; nothing was done
                """)
        }
    }

    /// Adds a new key to the ledger's keys (`dsr key rotate`): references made from now on
    /// use it, lookups keep trying the older ones. Adding a key already there changes nothing.
    public func rotate(to fingerprint: String, now: Date) throws {
        try write { db in
            guard !(try Self.boundKeys(db).contains(fingerprint)) else { return }
            try recordKey(fingerprint, action: "key rotated", now: now, db)
        }
    }

    /// The fingerprints of every key the ledger's references were made with.
    public func keyFingerprints() throws -> Set<String> {
        try read { db in try Self.boundKeys(db) }
    }

    private static func boundKeys(_ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT fingerprint FROM key_binding"))
    }

    private func recordKey(_ fingerprint: String, action: String, now: Date, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO key_binding (fingerprint, recorded_at) VALUES (?, ?)", arguments: [fingerprint, now])
        try appendAudit(db, action: action, detail: "HMAC key fingerprint \(fingerprint.prefix(12))", at: now)
    }

    /// What happened to a request offered to the ledger.
    public enum EnqueueOutcome: Sendable, Equatable {
        case added(RequestState)
        /// The same request was already there; nothing changed.
        case duplicate
        /// Another request with this id and different content is already there.
        case conflict
    }

    /// A request to record, with its content as JSON (keys sorted) and the keyed
    /// fingerprints of that content under every key, the current key's first (the same
    /// file dropped again after a key rotation is still the same request).
    public typealias Submission = (request: DataSubjectRequest, content: Data, fingerprints: [String])

    /// Records the requests of many files in one transaction. Each file's requests are
    /// added together or not at all (a savepoint per file): each is added in `received` and
    /// moves on to `pending` or `awaiting-verification`; one already there with the same
    /// content is a no-op. A file with an id already there with other content records
    /// nothing and gets the conflicting ids back; the other files are recorded.
    public func enqueue(files: [(sourceFile: String, submissions: [Submission])], controller: Configuration.Controller,
                        now: Date) throws -> [String: (outcomes: [EnqueueOutcome], conflicts: [String])] {
        guard !files.isEmpty else { return [:] }
        return try write { db in
            var results: [String: (outcomes: [EnqueueOutcome], conflicts: [String])] = [:]
            for file in files {
                var outcomes: [EnqueueOutcome] = []
                var conflicts: [String] = []
                try db.inSavepoint {
                    for submission in file.submissions {
                        let outcome = try enqueue(submission, sourceFile: file.sourceFile, controller: controller, now: now, db)
                        if outcome == .conflict { conflicts.append(submission.request.id) }
                        outcomes.append(outcome)
                    }
                    return conflicts.isEmpty ? .commit : .rollback
                }
                results[file.sourceFile] = conflicts.isEmpty ? (outcomes, []) : ([], conflicts)
            }
            return results
        }
    }

    /// What enqueueing would do with each submission, recording nothing: nil for a new
    /// request. The dry run asks this of the inbox.
    public func enqueueOutcomes(of submissions: [Submission]) throws -> [EnqueueOutcome?] {
        try read { db in try submissions.map { try Self.knownOutcome(of: $0, db) } }
    }

    /// `duplicate` or `conflict` for a request id already in the ledger; nil for a new one.
    private static func knownOutcome(of submission: Submission, _ db: Database) throws -> EnqueueOutcome? {
        let known = try String.fetchOne(db.cachedStatement(sql: "SELECT content_fingerprint FROM request WHERE id = ?"),
                                        arguments: [submission.request.id])
        return known.map { submission.fingerprints.contains($0) ? .duplicate : .conflict }
    }

    private func enqueue(_ submission: Submission, sourceFile: String,
                                controller: Configuration.Controller, now: Date, _ db: Database) throws -> EnqueueOutcome {
            let request = submission.request
            if let known = try Self.knownOutcome(of: submission, db) { return known }
            let record = LedgerRequest(received: submission, sourceFile: sourceFile, controller: controller, now: now)
            try record.insertRow(db)
            try appendAudit(db, action: "received", requestID: request.id,
                                 detail: "\(request.type.rawValue) request from \(sourceFile); state \(record.state.rawValue); due \(record.dueDate)",
                                 at: now)
            return .added(record.state)
    }

    /// The requests in the given states, oldest receipt first.
    public func requests(in states: [RequestState]) throws -> [LedgerRequest] {
        try read { db in
            try LedgerRequest.filter(states.map(\.rawValue).contains(Column("state")))
                .order(Column("received_at"), Column("id")).fetchAll(db)
        }
    }

    /// All requests, or the one with `id`.
    public func requests(id: String? = nil) throws -> [LedgerRequest] {
        try read { db in
            var query = LedgerRequest.order(Column("received_at"), Column("id"))
            if let id { query = query.filter(key: id) }
            return try query.fetchAll(db)
        }
    }

    /// A state change for one request.
    public struct Transition: Sendable {
        public var id: String
        public var state: RequestState
        public var reason: String?
        public var subjectReference: String?
        /// The machine's fault that left the request waiting (not recorded: the run stops on it).
        public var machineFault: DSRError?

        public init(id: String, state: RequestState, reason: String? = nil, subjectReference: String? = nil) {
            self.id = id
            self.state = state
            self.reason = reason
            self.subjectReference = subjectReference
        }

        /// A request whose work failed: waiting untouched for the next run, using no attempt,
        /// when the machine failed (the run then stops with 74); failed otherwise (an
        /// attempt used; three make it need review).
        /// A request done, its answer or receipt in place. The reason says when no personal
        /// data was held (no subject reference), or what was done where the type says more
        /// than "completed".
        static func completion(of record: LedgerRequest, subjectReference: String?) -> Transition {
            let done: [RequestType: String] = [.restriction: "processing restricted (Art. 18)"]
            return Transition(id: record.id, state: .completed, reason: subjectReference == nil ? "no personal data held" : done[record.type],
                              subjectReference: subjectReference)
        }

        public static func failure(of id: String, _ error: Error) -> Transition {
            guard let fault = MachineFault.of(error) else { return Transition(id: id, state: .failed, reason: "\(error)") }
            var transition = Transition(id: id, state: .pending, reason: "waiting for the machine: \(fault.message)")
            transition.machineFault = fault
            return transition
        }
    }

    /// Applies state changes in one transaction. Final states drop the request's personal
    /// payload.
    public func apply(_ transitions: [Transition], now: Date) throws {
        guard !transitions.isEmpty else { return }
        try write { db in
            // One cached statement per transition, and the chain's last hash carried along.
            let update = try db.cachedStatement(sql: """
                UPDATE request SET state = ?, state_reason = ?, updated_at = ?,
                    subject_reference = coalesce(?, subject_reference),
                    payload = CASE WHEN ? THEN NULL ELSE payload END,
                    completed_at = CASE WHEN ? THEN ? ELSE completed_at END,
                    attempts = attempts + ?
                WHERE id = ?
                """)
            var previous: String?
            // Formatted once: GRDB formats every bound Date with a DateFormatter.
            let at = now.ledgerValue
            for transition in transitions {
                let final = transition.state.isFinal
                try update.execute(arguments: [transition.state.rawValue, transition.reason, at, transition.subjectReference,
                                               final, final, at, transition.state == .failed ? 1 : 0, transition.id])
                guard db.changesCount > 0 else { continue }
                previous = try appendAudit(db, action: "state", requestID: transition.id, subjectReference: transition.subjectReference,
                                                detail: transition.state.rawValue + (transition.reason.map { ": \($0)" } ?? ""),
                                                at: now, after: previous)
            }
        }
    }

    /// Records a run's start; returns its number.
    public func startRun(at date: Date) throws -> Int64 {
        try write { db in
            try db.execute(sql: "INSERT INTO run (started_at) VALUES (?)", arguments: [date])
            return db.lastInsertedRowID
        }
    }

    /// Records a run's end and its summary (counts only, no personal data).
    public func finishRun(_ run: Int64, at date: Date, summary: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE run SET finished_at = ?, summary = ? WHERE id = ?", arguments: [date, summary, run])
        }
    }

    func read<T>(_ work: (Database) throws -> T) throws -> T {
        do { return try database.read(work) } catch { throw Self.wrap(error) }
    }

    func write<T>(_ work: (Database) throws -> T) throws -> T {
        do { return try database.write(work) } catch { throw Self.wrap(error) }
    }

    /// Database errors become I/O errors naming the ledger (machine faults when the machine
    /// caused them: a full disk, a locked file); others pass unchanged.
    private static func wrap(_ error: Error) -> Error {
        guard let databaseError = error as? DatabaseError else { return error }
        let message = "ledger: \(SQLiteCustomerStore.describe(error))"
        return MachineFault.isMachineFault(databaseError) ? DSRError.machineFault(message) : DSRError.io(message)
    }
}
