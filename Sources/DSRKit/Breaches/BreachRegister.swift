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

    /// Writes the Art. 33 notification of a phase; returns the file and the record.
    ///
    /// An initial notification after the 72 hours without `reasons_for_delay` is refused
    /// (Art. 33(1)); a follow-up or final one needs the initial one first, and nothing
    /// follows the final one.
    public func report(_ id: String, phase: BreachReportPhase, format: OutputFormat, to output: URL?, now: Date) throws -> URL {
        let record = try ledger.breach(id)
        let breach = record.breach
        guard breach.notifyAuthority else {
            throw DSRError.badInput("breach \(id) is registered as not to be notified (\(breach.reasonNotNotified ?? "no reason")); record notify_authority: true with 'dsr breach update' first")
        }
        if record.finalAt != nil && phase != .final {
            throw DSRError.badInput("breach \(id) was closed by its final notification")
        }
        let late: Bool
        if phase == .initial {
            late = record.notifiedAt.map { _ in record.notifiedLate } ?? (now > breach.notificationDueAt)
            if late && breach.reasonsForDelay == nil {
                let hours = Int(now.timeIntervalSince(breach.awareAt) / 3600)
                throw DSRError.badInput("""
                    breach \(id): the notification is late (\(hours) hours after awareness; it was due \
                    \(Timestamp.format(breach.notificationDueAt, in: controller.timeZone))) and Art. 33(1) requires the reasons \
                    for the delay: record reasons_for_delay with 'dsr breach update \(id) FILE', then report again
                    """)
            }
        } else {
            guard record.notifiedAt != nil else {
                throw DSRError.badInput("breach \(id): write the initial notification before a \(phase.rawValue) one")
            }
            late = record.notifiedLate
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
        let letters = BreachLetters(breach: record.breach, measurement: record.measurement, controller: controller, map: installation.map)
        let folder = folder(for: id)
        switch exception {
        case nil, .letters?:
            let lettersFolder = folder.appendingPathComponent("letters", isDirectory: true)
            let count = try letters.write(into: lettersFolder, store: try installation.store(), parser: installation.requestParser(now: now))
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
                try letters.writePublicNotice(into: folder)
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
        try ScopeMeasurement.measure(breach, map: installation.map, store: try installation.store(),
                                     parser: installation.requestParser(now: now), at: now)
    }
}
