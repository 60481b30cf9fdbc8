import DSRCore
import Foundation

/// Writes the letters the law requires besides an answer: an extension (Art. 12(3)), a
/// refusal or cancellation (Art. 12(4)), and what identity verification needs. Each is a
/// folder of its own (`letter.html`, `letter.txt`, `manifest.json`) published whole, once:
/// `outbox/<id>/` for a request that ended without an answer, and
/// `outbox/notices/<kind>/<id>/` for one still open.
///
/// Under the EEA identification clock, writing the verification letter within the
/// configured days of receipt is the ask that suspends the clock: the ledger records the
/// pause first, and the letter says since when.
///
/// The commands that change a request (`dsr extend`, `cancel`, `review --reject`, `pause`)
/// write its notice at once; every night writes those still missing (a command killed after
/// its ledger change, a request the night rejected or left unverified), so none is lost.
struct NoticeWriter {
    let configuration: Configuration
    let map: DataMap
    let letters: LetterTemplates
    /// Where a verification letter that asks for identification in time pauses the clock
    /// (the EEA rule), before the letter that says so is written.
    let ledger: Ledger

    /// The notices a request in this state calls for: an extension of a request still
    /// awaiting verification needs its own letter beside the verification one.
    static func notices(for record: LedgerRequest) -> [LetterKind] {
        switch record.state {
        case .rejected: return [.refusal]
        case .cancelled: return [.cancellation]
        case .awaitingVerification: return record.extended ? [.verification, .extension] : [.verification]
        default: return record.extended && !record.state.isFinal ? [.extension] : []
        }
    }

    /// Where a notice of `kind` is published.
    func outbox(for kind: LetterKind) -> Outbox {
        switch kind {
        case .refusal, .cancellation: return Outbox(root: configuration.outboxURL)
        default:
            return Outbox(root: configuration.outboxURL.appendingPathComponent("notices", isDirectory: true)
                .appendingPathComponent(kind.rawValue, isDirectory: true))
        }
    }

    /// Writes the notices `records` call for and do not have yet; returns how many.
    @discardableResult
    func writeMissing(_ records: [LedgerRequest], now: Date) throws -> Int {
        var staged: [String: (outbox: Outbox, folders: [ClosedFolder])] = [:]
        for var record in records {
            for kind in Self.notices(for: record) {
                let outbox = outbox(for: kind)
                guard !outbox.hasCompleteAnswer(for: record.id) else { continue }
                if kind == .verification, record.identificationAskSuspends(now: now, controller: configuration.controller) {
                    record = try ledger.pause(record.id, now: now, reason: nil)
                }
                try DurableFile.createFolder(outbox.root)
                staged[kind.rawValue, default: (outbox, [])].folders.append(try stage(kind, for: record, in: outbox, now: now))
            }
        }
        for (outbox, folders) in staged.values {
            if let failure = ClosedFolder.publish(folders, in: outbox).values.first { throw failure }
        }
        return staged.values.reduce(0) { $0 + $1.folders.count }
    }

    /// Writes the Art. 18(3) letter of a restriction's lift unless it is in place; returns
    /// its folder, relative to the outbox.
    func writeRestrictionLift(_ record: LedgerRequest, lift: RestrictionLiftRecord, now: Date) throws -> String {
        let outbox = outbox(for: .restrictionLift)
        let folder = "notices/\(LetterKind.restrictionLift.rawValue)/\(record.id)"
        guard !outbox.hasCompleteAnswer(for: record.id) else { return folder }
        try DurableFile.createFolder(outbox.root)
        let staged = try stage(.restrictionLift, for: record, in: outbox, now: now, lift: lift)
        if let failure = ClosedFolder.publish([staged], in: outbox).values.first { throw failure }
        return folder
    }

    private func stage(_ kind: LetterKind, for record: LedgerRequest, in outbox: Outbox, now: Date,
                       lift: RestrictionLiftRecord? = nil) throws -> ClosedFolder {
        let controller = configuration.controller
        let language = LetterHeading.language(of: record, controller: controller)
        let phrases = letters.phraseBook(language)
        var header = AnswerHeader(for: record, controller: controller, facts: map.facts, subjectFound: true, generatedAt: now)
        // The due day the frame shows is the one the clock gives: none yet, or moved on by
        // the days it stays paused.
        if record.clockNotStarted(controller: controller) {
            header.dueDate = phrases.text("due_when_identified")
        } else if record.pausedAt != nil, let due = CalendarDay(iso: record.dueDate) {
            header.dueDate = LetterStyle(language: language, zone: controller.timeZone).day(due) + " " + phrases.text("due_plus_paused_days")
        }
        let writer = LetterWriter(heading: LetterHeading(kind: kind, header: header, controller: controller, language: language),
                                  templates: letters)
        let folder = try StagedFolder(requestID: record.id, outbox: outbox)
        try writer.write(writer.body(of: record, lift: lift), phrases: phrases, into: folder)
        return folder.closed()
    }
}

extension LetterWriter {
    /// The own part of a notice: the officer's reason, the due day as the ledger has it,
    /// while the clock is paused for verification the day it was paused, and for a lifted
    /// restriction the day it is lifted.
    func body(of record: LedgerRequest, lift: RestrictionLiftRecord? = nil) -> [String: Any] {
        let reason = switch heading.kind {
        case .extension: record.extensionReason
        case .restrictionLift: lift?.reason
        default: record.stateReason
        }
        return [
            "reason": reason ?? "",
            "lifted_from": lift.map { style.day(CalendarDay($0.announcedAt, in: heading.controller.timeZone)) } ?? "",
            "new_due": CalendarDay(iso: record.dueDate).map(style.day) ?? record.dueDate,
            "paused_since": record.pausedAt.map { style.day(CalendarDay($0, in: heading.controller.timeZone)) } ?? false,
            "clock_not_started": record.clockNotStarted(controller: heading.controller),
        ]
    }
}

extension LedgerRequest {
    /// A made-up request, for rendering sample letters.
    static var sample: LedgerRequest {
        let day = Date(timeIntervalSince1970: 1_795_000_000)
        return LedgerRequest(id: "SAMPLE-1", type: .access, state: .pending, stateReason: nil, receivedAt: day, dueDate: "2026-12-21",
                             baseDueDate: "2026-12-21", extended: false, extensionReason: nil, pausedDays: 0, pausedAt: nil,
                             attempts: 0, verificationMethod: nil, verifiedAt: nil, subjectReference: nil, payload: nil,
                             contentFingerprint: "", sourceFile: "", createdAt: day, updatedAt: day, completedAt: nil)
    }
}
