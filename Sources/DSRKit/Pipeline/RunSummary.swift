import DSRCore
import Foundation

/// What a run did, for the operator (text) and for machines (`--json`). Request ids, file
/// names, counts and reasons only: never personal data.
public struct RunSummary: Sendable, Codable, Equatable {
    public var startedAt: Date
    public var finishedAt: Date
    public var intake: Intake.Report
    /// Requests answered or carried out in this run, by type.
    public var done: [String: Int] = [:]
    /// Of those, the ones whose identities matched no one: no personal data held.
    public var noDataHeld = 0
    /// Requests that cannot be carried out as written (say, a rectification value that does
    /// not fit its column).
    public var rejected: [Entry] = []
    /// Requests whose answer was already in the outbox from an interrupted run.
    public var recovered = 0
    /// Temporary files and staging folders an interrupted run left, removed.
    public var leftoversRemoved = 0
    /// The signal that stopped the run before every queued request was taken (SIGTERM,
    /// SIGINT); the rest wait for the next run.
    public var stoppedBy: String?
    public var awaitingVerification: [String] = []
    public var needsReview: [Entry] = []
    public var failed: [Entry] = []
    /// Requests waiting on something outside dsr (a legal-claims hold).
    public var waiting: [Entry] = []
    /// Held rows the sweep erased because their hold ended.
    public var sweptRows = 0
    /// Held rows still waiting for their hold to end.
    public var deferredRows = 0
    /// Letters besides answers written this run: extensions, refusals, cancellations, and
    /// what identity verification needs (`outbox/notices/…`, `outbox/<id>/`).
    public var noticesWritten = 0
    /// Closed requests whose details the ledger's retention deleted this run.
    public var detailsDeleted = 0
    /// Store rows the run's statements returned (resolving, answering, changing, consent
    /// hygiene); a row read twice counts twice.
    public var rowsRead = 0
    /// Store rows the run's updates and deletes changed.
    public var rowsWritten = 0
    public var outbox: String
    /// Consents expired and soft opt-ins ended (nil when the job has no hygiene step).
    public var consentHygiene: ConsentHygiene.Outcome?
    /// Art. 19 notices to recipients: batches written, callbacks read (nil when the job
    /// does not process requests).
    public var recipients: RecipientNoticeStage.Report?
    /// Open requests past or near their due date (the next 7 days).
    public var deadlines: DeadlineReport?
    /// Wall time per phase in seconds.
    public var phaseSeconds: [NightPhase: Double] = [:]

    public struct Entry: Sendable, Codable, Equatable {
        public var id: String
        public var reason: String
    }

    enum CodingKeys: String, CodingKey {
        case startedAt = "started_at", finishedAt = "finished_at", intake, done, noDataHeld = "no_data_held", rejected
        case recovered, leftoversRemoved = "leftovers_removed", stoppedBy = "stopped_by", awaitingVerification = "awaiting_verification", needsReview = "needs_review", failed, waiting, outbox
        case sweptRows = "swept_rows", deferredRows = "deferred_rows", noticesWritten = "notices_written", detailsDeleted = "details_deleted", rowsRead = "rows_read", rowsWritten = "rows_written"
        case consentHygiene = "consent_hygiene", recipients, deadlines
        case phaseSeconds = "phase_seconds"
    }

    /// 0 when nothing needs a person; 1 when a file was rejected or not taken (a link, a
    /// FIFO, a folder in the inbox), or a request failed or needs review.
    public var exitStatus: ExitStatus {
        intake.rejected.isEmpty && intake.notTaken.isEmpty && needsReview.isEmpty && failed.isEmpty && rejected.isEmpty
            && (recipients?.rejectedCallbacks ?? []).isEmpty && deadlines?.isOverdue != true ? .success : .attentionNeeded
    }

    /// Whether a person must look: files rejected, not taken or dated in the future, requests that failed,
    /// need review or were rejected, something overdue, or a breach clock running. `run
    /// --quiet` prints nothing otherwise, so cron mails only when there is something to do.
    public var needsAttention: Bool {
        exitStatus != .success || !intake.futureDated.isEmpty || !(deadlines?.breaches.isEmpty ?? true)
    }

    public func json() -> String { ReportJSON.text(self) }

    /// The summary with every inbox file named by `reference` instead of its name, as the
    /// ledger keeps it: file names may be personal data, and ledger records outlive them.
    func naming(filesBy reference: (String) -> String) -> RunSummary {
        var copy = self
        copy.intake.accepted = intake.accepted.map(reference)
        copy.intake.duplicates = intake.duplicates.map(reference)
        copy.intake.settling = intake.settling.map(reference)
        copy.intake.futureDated = intake.futureDated.map(reference)
        copy.intake.rejected = intake.rejected.map { Intake.RejectedFile(file: reference($0.file), problems: []) }
        copy.intake.notTaken = intake.notTaken.map { Intake.InboxEntry(name: reference($0.name), kind: $0.kind) }
        copy.recipients?.rejectedCallbacks = recipients?.rejectedCallbacks.map(reference) ?? []
        return copy
    }

    /// The human summary printed at the end of a run.
    public var text: String {
        var lines = ["dsr run \(Timestamp.format(startedAt)) – \(String(format: "%.2f", finishedAt.timeIntervalSince(startedAt))) s"]
        if let stoppedBy {
            lines.append("stopped by \(stoppedBy) after the batch in hand: the requests not taken wait for the next run")
        }
        lines.append("intake: \(intake.accepted.count) accepted, \(intake.duplicates.count) already known, \(intake.rejected.count) rejected"
                     + (intake.settling.isEmpty ? "" : ", \(intake.settling.count) still being written (next run)")
                     + (intake.notTaken.isEmpty ? "" : ", \(intake.notTaken.count) not taken (not regular files)")
                     + (intake.futureDated.isEmpty ? "" : ", \(intake.futureDated.count) dated in the future (taken; check the clock of the machine that wrote them)"))
        let doneText = done.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        lines.append("done: \(doneText.isEmpty ? "none" : doneText) (\(noDataHeld) with no personal data held)"
                     + (recovered > 0 ? "; \(recovered) recovered from an interrupted run" : ""))
        if leftoversRemoved > 0 { lines.append("removed \(leftoversRemoved) temporary file(s) or folder(s) an interrupted run left") }
        lines.append("awaiting verification: \(awaitingVerification.count)")
        lines.append("held rows: \(sweptRows) erased by the sweep, \(deferredRows) still held")
        if noticesWritten > 0 { lines.append("letters besides answers (extension, refusal, cancellation, verification): \(noticesWritten)") }
        if detailsDeleted > 0 { lines.append("ledger retention: details of \(detailsDeleted) closed requests deleted") }
        lines.append("store rows: \(rowsRead) read, \(rowsWritten) written")
        if let consentHygiene {
            lines.append("consents: \(consentHygiene.consentsExpired) expired, \(consentHygiene.softOptInsEnded) soft opt-ins ended")
        }
        if let recipients, !recipients.batches.isEmpty || recipients.acknowledged > 0 || !recipients.rejectedCallbacks.isEmpty {
            lines.append("recipients (Art. 19): \(recipients.notices) notice(s) in \(recipients.batches.count) batch(es)"
                         + (recipients.batches.isEmpty ? "" : " (\(recipients.batches.joined(separator: ", ")))")
                         + ", \(recipients.acknowledged) acknowledged by callback")
            if !recipients.rejectedCallbacks.isEmpty {
                lines.append("rejected recipient callbacks (see inbox/recipients/rejected/*.error.txt):")
                lines += recipients.rejectedCallbacks.map { "  \($0.escapedForDisplay)" }
            }
        }
        func section(_ title: String, _ entries: [Entry]) {
            guard !entries.isEmpty else { return }
            lines.append("\(title): \(entries.count)")
            lines += entries.map { "  \($0.id): \($0.reason)" }
        }
        section("needs review", needsReview)
        section("failed (retried next run)", failed)
        section("rejected requests", rejected)
        section("waiting", waiting)
        if !intake.rejected.isEmpty {
            lines.append("rejected files (see inbox/rejected/*.error.txt):")
            lines += intake.rejected.map { "  \($0.file.escapedForDisplay): \($0.problems.count) problem(s)" }
        }
        if !intake.notTaken.isEmpty {
            lines.append("inbox entries not taken (not regular files; left where they are):")
            lines += intake.notTaken.map { "  \($0.name.escapedForDisplay): \($0.kind)" }
        }
        if let deadlines { lines.append(deadlines.text) }
        lines.append("answers: \(outbox)")
        return lines.joined(separator: "\n")
    }
}
