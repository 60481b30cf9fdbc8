import DSRCore
import Foundation

/// The breach register (Art. 33(5)) of one installation: registering breaches and their
/// later facts, the DPO's risk assessment, the notifications to the authority and the
/// communications to the people.
public struct BreachRegister {
    public let installation: Installation
    public let ledger: Ledger

    public init(installation: Installation) throws {
        self.installation = installation
        ledger = try installation.ledger()
    }

    private var controller: Configuration.Controller { installation.configuration.controller }

    /// Where a breach's documents go: `outbox/breaches/<id>/`.
    public func folder(for id: String) -> URL {
        installation.configuration.outboxURL.appendingPathComponent("breaches", isDirectory: true)
            .appendingPathComponent(id, isDirectory: true)
    }

    /// Registers the breach a file describes, measuring its scope on the store.
    @discardableResult
    public func open(_ file: URL, now: Date) throws -> BreachRecord {
        let breach = try parser(now: now).parse(contentsOf: file)
        try ledger.registerBreach(breach, measurement: try measure(breach, now: now), now: now)
        return try ledger.breach(breach.id)
    }

    /// Records later facts (a file of the fields that changed) as the breach's next version.
    @discardableResult
    public func update(_ id: String, with file: URL, now: Date) throws -> BreachRecord {
        let current = try ledger.breach(id)
        let breach = try parser(now: now).parse(contentsOf: file, updating: current.breach)
        _ = try ledger.updateBreach(breach, measurement: try measure(breach, now: now), now: now)
        return try ledger.breach(id)
    }

    /// Records the DPO's risk level; overriding dsr's proposal needs a reason.
    public func assess(_ id: String, risk: RiskLevel, reason: String?, now: Date) throws {
        let record = try ledger.breach(id)
        if risk != record.proposal.level && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw DSRError(.usage, "the proposed risk is '\(record.proposal.level.rawValue)'; overriding it with '\(risk.rawValue)' needs --reason")
        }
        try ledger.assessBreach(id, risk: risk, reason: reason, now: now)
    }

    /// Writes the Art. 33 notification of a phase, a draft until `submitted` records that
    /// the authority received it; returns the file.
    ///
    /// An initial notification that cannot reach the authority within the 72 hours needs
    /// `reasons_for_delay` (Art. 33(1)); a follow-up or final one needs the initial one
    /// received first; a phase the authority received is never written again (a follow-up
    /// carries the changes), and nothing follows the final one.
    public func report(_ id: String, phase: BreachReportPhase, format: OutputFormat, to output: URL?, now: Date) throws -> URL {
        let record = try ledger.breach(id)
        let breach = record.breach
        guard breach.notifyAuthority else {
            throw DSRError.badInput("breach \(id) is registered as not to be notified (\(breach.reasonNotNotified ?? "no reason")); record notify_authority: true with 'dsr breach update' first")
        }
        if record.finalAt != nil {
            throw DSRError.badInput("breach \(id) was closed when the authority received its final notification")
        }
        if let submitted = record.submission(phase) {
            throw DSRError.badInput("breach \(id): the authority received the \(phase.rawValue) notification on \(Timestamp.format(submitted.submittedAt, in: controller.timeZone)); it is not written again — a follow-up carries what changed")
        }
        let late: Bool
        if phase == .initial {
            late = now > breach.notificationDueAt
            if late && breach.reasonsForDelay == nil {
                throw lateWithoutReasons(breach, at: now)
            }
        } else {
            guard let initial = record.submission(.initial) else {
                throw DSRError.badInput("breach \(id): record the initial notification's submission ('dsr breach submitted \(id) --phase initial --at TIME') before a \(phase.rawValue) one")
            }
            late = initial.late
        }
        var changes: [BreachChange] = []
        // Since the last notification made, not counting this same one in another format.
        if phase != .initial, let previous = record.reports.last(where: { $0.phase != phase || $0.version != record.version }),
           let before = try ledger.breachVersion(id, previous.version) {
            changes = BreachChange.between(before, (breach, record.measurement))
        }
        let notification = BreachNotification(record: record, phase: phase, writtenAt: now, late: late, changes: changes,
                                              controller: controller)
        let destination = output ?? folder(for: id).appendingPathComponent("notification-\(phase.rawValue).\(format.rawValue)")
        try DurableFile.createFolder(destination.deletingLastPathComponent())
        let digest = try notification.tree.write(to: destination, format: format, root: BreachNotification.rootElement,
                                                 namespace: BreachNotification.namespace)
        try ledger.recordBreachReport(id, BreachRecord.Report(phase: phase, version: record.version, format: format, writtenAt: now,
                                                              late: late, file: destination.path, sha256: digest))
        return destination
    }

    /// Records that the authority received a phase's notification at `at` (its receipt, or
    /// the portal's confirmation): the initial phase stops the 72-hour clock, judged late
    /// against that instant; the final one closes the breach. The phase must have been
    /// written first.
    public func submitted(_ id: String, phase: BreachReportPhase, at: Date, channel: String?, reference: String?, now: Date) throws -> BreachRecord {
        let record = try ledger.breach(id)
        let breach = record.breach
        guard record.reports.contains(where: { $0.phase == phase }) else {
            throw DSRError.badInput("breach \(id): no \(phase.rawValue) notification was written; write it with 'dsr breach report' first")
        }
        guard at <= now.addingTimeInterval(300) else { throw DSRError.badInput("--at is in the future") }
        guard at >= breach.awareAt else { throw DSRError.badInput("--at is before the controller became aware of the breach") }
        let late: Bool
        if phase == .initial {
            late = at > breach.notificationDueAt
            if late && breach.reasonsForDelay == nil { throw lateWithoutReasons(breach, at: at) }
        } else {
            guard let initial = record.submission(.initial) else {
                throw DSRError.badInput("breach \(id): record the initial notification's submission first")
            }
            guard at >= initial.submittedAt else { throw DSRError.badInput("--at is before the initial notification was received") }
            late = initial.late
        }
        try ledger.recordBreachSubmission(id, BreachRecord.Submission(phase: phase, submittedAt: at, channel: channel,
                                                                      reference: reference, late: late), now: now)
        return try ledger.breach(id)
    }

    /// Art. 33(1): a notification after the 72 hours must give the reasons for the delay.
    private func lateWithoutReasons(_ breach: Breach, at: Date) -> DSRError {
        let hours = Int(at.timeIntervalSince(breach.awareAt) / 3600)
        return DSRError.badInput("""
            breach \(breach.id): the notification is late (\(hours) hours after awareness; it was due \
            \(Timestamp.format(breach.notificationDueAt, in: controller.timeZone))) and Art. 33(1) requires the reasons \
            for the delay: record reasons_for_delay with 'dsr breach update \(breach.id) FILE', then try again
            """)
    }

    /// What `notify` did.
    public enum Communication: Equatable {
        case letters(count: Int, folder: URL)
        case exception(BreachCommunication, publicNotice: URL?)
    }

    /// Tells the people of a breach assessed as high risk (Art. 34): a letter each, or the
    /// Art. 34(3) exception recorded instead.
    public func notify(_ id: String, exception: BreachCommunication?, reason: String?, now: Date) throws -> Communication {
        let record = try ledger.breach(id)
        if let communication = record.communication {
            throw DSRError.badInput("breach \(id): the people's communication is already recorded (\(communication.rawValue))")
        }
        guard let risk = record.assessedRisk else {
            throw DSRError.badInput("breach \(id): the risk is not assessed yet; the proposal is '\(record.proposal.level.rawValue)' — confirm or override it with 'dsr breach assess'")
        }
        guard risk == .high else {
            throw DSRError.badInput("breach \(id) is assessed as '\(risk.rawValue)'; Art. 34 communications are for a high risk")
        }
        let letters = BreachLetters(breach: record.breach, measurement: record.measurement, controller: controller, map: installation.map,
                                    templates: try installation.letterTemplates())
        let folder = folder(for: id)
        switch exception {
        case nil, .letters?:
            let lettersFolder = folder.appendingPathComponent("letters", isDirectory: true)
            let count = try letters.write(into: lettersFolder, stores: try installation.stores(), parser: installation.requestParser(now: now),
                                          now: now)
            try ledger.recordBreachCommunication(id, .letters, detail: nil, letters: count, now: now)
            return .letters(count: count, folder: lettersFolder)
        case .encrypted?:
            guard record.breach.dataEncrypted else {
                throw DSRError.badInput("breach \(id): the encryption exception needs data_encrypted: true in the breach's facts")
            }
            try ledger.recordBreachCommunication(id, .encrypted, detail: reason, letters: nil, now: now)
            return .exception(.encrypted, publicNotice: nil)
        case .riskNoLongerLikely?, .disproportionateEffort?:
            guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw DSRError(.usage, "the \(exception!.rawValue) exception needs --reason")
            }
            var notice: URL?
            if exception == .disproportionateEffort {
                try letters.writePublicNotice(into: folder, now: now)
                notice = folder.appendingPathComponent(BreachLetters.publicNoticeName)
            }
            try ledger.recordBreachCommunication(id, exception!, detail: reason, letters: nil, now: now)
            return .exception(exception!, publicNotice: notice)
        }
    }

    private func parser(now: Date) -> BreachFileParser {
        BreachFileParser(map: installation.map, zone: controller.timeZone, now: now)
    }

    private func measure(_ breach: Breach, now: Date) throws -> ScopeMeasurement {
        try checkConditionTypes(breach)
        return try ScopeMeasurement.measure(breach, stores: try installation.stores(), parser: installation.requestParser(now: now), at: now)
    }

    /// A `where` value must fit its live column: a number for a number column, a date for a
    /// date or time column; compared otherwise, it would choose rows by accident.
    private func checkConditionTypes(_ breach: Breach) throws {
        let schema = try installation.stores().mappedSchema()
        for (index, entry) in breach.scope.enumerated() {
            guard case .matching(let conditions) = entry.rows else { continue }
            for condition in conditions {
                let declared = schema.tables[entry.table]?.column(named: condition.column)?.declaredType ?? ""
                let values: [String]
                switch condition.test {
                case .oneOf(let list): values = list
                case .range(let from, let to): values = [from, to].compactMap { $0 }
                }
                if values.contains(where: { !ColumnTypeFamily(declaredType: declared).accepts($0) }) {
                    throw DSRError.badInput("scope[\(index)].where.\(condition.column): a value does not fit the column's type \(declared)")
                }
            }
        }
    }
}
