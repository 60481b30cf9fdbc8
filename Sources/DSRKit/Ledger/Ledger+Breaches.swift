import DSRCore
import Foundation
import GRDB

extension Ledger {
    /// Registers a new breach (version 1); an id already in the register is refused.
    public func registerBreach(_ breach: Breach, measurement: ScopeMeasurement, now: Date) throws {
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM breach WHERE id = ?", arguments: [breach.id]) == true {
                throw DSRError.badInput("breach \(breach.id) is already registered; record later facts with 'dsr breach update \(breach.id) FILE'")
            }
            try db.execute(sql: "INSERT INTO breach (id, registered_at, version) VALUES (?, ?, 1)", arguments: [breach.id, now])
            try Self.insertVersion(breach, version: 1, measurement: measurement, now: now, db)
            try appendAudit(db, action: "breach registered", detail: "\(breach.id) version 1", at: now)
        }
    }

    /// Records later facts of a breach as its next version.
    public func updateBreach(_ breach: Breach, measurement: ScopeMeasurement, now: Date) throws -> Int {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT version, final_at FROM breach WHERE id = ?", arguments: [breach.id]) else {
                throw DSRError.badInput("no breach \(breach.id) in the register")
            }
            if (row["final_at"] as Date?) != nil {
                throw DSRError.badInput("breach \(breach.id) was closed by its final notification; it takes no more updates")
            }
            let version = (row["version"] as Int) + 1
            try db.execute(sql: "UPDATE breach SET version = ? WHERE id = ?", arguments: [version, breach.id])
            try Self.insertVersion(breach, version: version, measurement: measurement, now: now, db)
            try appendAudit(db, action: "breach updated", detail: "\(breach.id) version \(version)", at: now)
            return version
        }
    }

    /// Records the DPO's risk assessment; the reason is kept, not audited (officer text).
    public func assessBreach(_ id: String, risk: RiskLevel, reason: String?, now: Date) throws {
        try write { db in
            try db.execute(sql: "UPDATE breach SET assessed_risk = ?, assessment_reason = ?, assessed_at = ? WHERE id = ?",
                           arguments: [risk.rawValue, reason, now, id])
            guard db.changesCount > 0 else { throw DSRError.badInput("no breach \(id) in the register") }
            try appendAudit(db, action: "breach assessed", detail: "\(id) risk \(risk.rawValue)", at: now)
        }
    }

    /// Records a notification document written: a draft until the authority receives it.
    public func recordBreachReport(_ id: String, _ report: BreachRecord.Report) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO breach_report (breach_id, phase, version, format, written_at, late, file, sha256)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, report.phase.rawValue, report.version, report.format.rawValue, report.writtenAt,
                                 report.late, report.file, report.sha256])
            try appendAudit(db, action: "breach report", detail: "\(id) \(report.phase.rawValue) \(report.format.rawValue) version \(report.version) draft"
                                 + (report.late ? " late" : ""), at: report.writtenAt)
        }
    }

    /// Records that the authority received a phase: the initial one stops the clock, the
    /// final one closes the breach. A phase is received once.
    public func recordBreachSubmission(_ id: String, _ submission: BreachRecord.Submission, now: Date) throws {
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM breach_submission WHERE breach_id = ? AND phase = ?",
                                 arguments: [id, submission.phase.rawValue]) == true {
                throw DSRError.badInput("breach \(id): the \(submission.phase.rawValue) notification is already recorded as submitted")
            }
            try db.execute(sql: """
                INSERT INTO breach_submission (breach_id, phase, submitted_at, channel, reference, late, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, submission.phase.rawValue, submission.submittedAt, submission.channel, submission.reference,
                                 submission.late, now])
            switch submission.phase {
            case .initial:
                try db.execute(sql: "UPDATE breach SET notified_at = ?, notified_late = ? WHERE id = ?",
                               arguments: [submission.submittedAt, submission.late, id])
            case .final:
                try db.execute(sql: "UPDATE breach SET final_at = ? WHERE id = ?", arguments: [submission.submittedAt, id])
            case .followUp:
                break
            }
            try appendAudit(db, action: "breach submitted", detail: "\(id) \(submission.phase.rawValue)"
                                 + (submission.reference.map { " case \($0)" } ?? "") + (submission.late ? " late" : ""), at: now)
        }
    }

    /// Records how the people were told, or the exception that applied.
    public func recordBreachCommunication(_ id: String, _ communication: BreachCommunication, detail: String?,
                                          letters: Int?, now: Date) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE breach SET communication = ?, communication_detail = ?, communicated_at = ?, letters = ?
                WHERE id = ? AND communication IS NULL
                """, arguments: [communication.rawValue, detail, now, letters, id])
            guard db.changesCount > 0 else { throw DSRError.badInput("breach \(id): the people's communication is already recorded") }
            try appendAudit(db, action: "breach communication",
                                 detail: "\(id) \(communication.rawValue)" + (letters.map { " \($0) letters" } ?? ""), at: now)
        }
    }

    /// Every breach of the register, by awareness time.
    public func breaches() throws -> [BreachRecord] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT id FROM breach").compactMap { try Self.breach($0, db) }
                .sorted { ($0.breach.awareAt, $0.breach.id) < ($1.breach.awareAt, $1.breach.id) }
        }
    }

    /// One breach of the register.
    public func breach(_ id: String) throws -> BreachRecord {
        guard let record = try read({ db in try Self.breach(id, db) }) else {
            throw DSRError.badInput("no breach \(id) in the register")
        }
        return record
    }

    /// The facts of an earlier version of a breach.
    public func breachVersion(_ id: String, _ version: Int) throws -> (breach: Breach, measurement: ScopeMeasurement)? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT facts, measurement FROM breach_version WHERE breach_id = ? AND version = ?",
                             arguments: [id, version]).map { row in
                (try Self.decode(Breach.self, row["facts"]), try Self.decode(ScopeMeasurement.self, row["measurement"]))
            }
        }
    }

    private static func insertVersion(_ breach: Breach, version: Int, measurement: ScopeMeasurement, now: Date, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO breach_version (breach_id, version, recorded_at, facts, measurement) VALUES (?, ?, ?, ?, ?)",
                       arguments: [breach.id, version, now, try encode(breach), try encode(measurement)])
    }

    private static func breach(_ id: String, _ db: Database) throws -> BreachRecord? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT b.*, v.facts, v.measurement FROM breach b JOIN breach_version v ON v.breach_id = b.id AND v.version = b.version
            WHERE b.id = ?
            """, arguments: [id]) else { return nil }
        let breach = try decode(Breach.self, row["facts"])
        let measurement = try decode(ScopeMeasurement.self, row["measurement"])
        let reports = try Row.fetchAll(db, sql: "SELECT * FROM breach_report WHERE breach_id = ? ORDER BY id", arguments: [id]).map { report in
            BreachRecord.Report(phase: BreachReportPhase(rawValue: report["phase"])!, version: report["version"],
                                format: OutputFormat(rawValue: report["format"])!, writtenAt: report["written_at"],
                                late: report["late"], file: report["file"], sha256: report["sha256"])
        }
        return BreachRecord(
            breach: breach, version: row["version"], registeredAt: row["registered_at"], measurement: measurement,
            proposal: RiskProposal(breach: breach, measurement: measurement),
            assessedRisk: (row["assessed_risk"] as String?).flatMap(RiskLevel.init(rawValue:)),
            assessmentReason: row["assessment_reason"], assessedAt: row["assessed_at"], notifiedAt: row["notified_at"],
            notifiedLate: row["notified_late"], finalAt: row["final_at"],
            communication: (row["communication"] as String?).flatMap(BreachCommunication.init(rawValue:)),
            communicationDetail: row["communication_detail"], communicatedAt: row["communicated_at"], letters: row["letters"],
            reports: reports,
            submissions: try Row.fetchAll(db, sql: "SELECT * FROM breach_submission WHERE breach_id = ? ORDER BY submitted_at",
                                          arguments: [id]).map { row in
                BreachRecord.Submission(phase: BreachReportPhase(rawValue: row["phase"])!, submittedAt: row["submitted_at"],
                                        channel: row["channel"], reference: row["reference"], late: row["late"])
            })
    }

    private static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(text.utf8))
    }
}
