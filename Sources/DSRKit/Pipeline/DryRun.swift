import DSRCore
import Foundation
import Logging

/// `dsr run nightly --dry-run`: the night's preview. It takes the queue and reads the inbox
/// as the night does, resolves and sorts each batch through the same stages
/// (`RequestQueue`, `ResolvedBatch`, `BatchRunner`), and records, instead of carrying them
/// out, the transitions the night would record: no file moves, the ledger is only read,
/// and store changes run on a `PreviewSession`.
public struct DryRun {
    public let context: RunContext
    /// Read only; an empty one in memory before the first real run.
    public let ledger: Ledger

    public init(context: RunContext, ledger: Ledger) {
        self.context = context
        self.ledger = ledger
    }

    private var configuration: Configuration { context.configuration }

    /// A request the night would take, and the inbox file it comes from (nil for one
    /// already in the ledger).
    private typealias Planned = (queued: QueuedRequest, file: String?)

    public func run() throws -> DryRunReport {
        let lock = try RunLock(ledgerURL: configuration.ledgerURL)
        defer { withExtendedLifetime(lock) {} }
        let now = clock()
        var report = DryRunReport()
        let planned = try queue(into: &report) + inbox(now: now, into: &report)
        let runner = context.batchRunner(ledger: ledger)
        let repeats = context.repeatedRequests(ledger: ledger)
        let ordered = planned.sorted { ($0.queued.record.receivedAt, $0.queued.record.id) < ($1.queued.record.receivedAt, $1.queued.record.id) }
        let files = Dictionary(uniqueKeysWithValues: ordered.map { ($0.queued.record.id, $0.file) })
        let records = Dictionary(uniqueKeysWithValues: ordered.map { ($0.queued.record.id, $0.queued.record) })
        let night = try SameNightRequests(ordered.map(\.queued), batchSize: configuration.batchSize, stores: context.stores)
        for batch in night.batches {
            let previewed = runner.preview(try ResolvedBatch(batch, of: night, stores: context.stores, repeats: repeats))
            for item in previewed {
                for transition in night.withDuplicates([item.transition]) {
                    var preview = item
                    preview.transition = transition
                    report.entries.append(DryRunReport.Entry(of: records[transition.id]!, file: files[transition.id]!, previewed: preview))
                }
            }
        }
        report.sweepDueRows = try ErasureSweep(stores: context.stores, ledger: ledger, logger: context.logger)
            .due(today: context.today(at: now)).reduce(0) { $0 + $1.rows.count }
        return report
    }

    private var clock: @Sendable () -> Date { context.clock }

    /// The ledger's queue as the night takes it: requests a killed run left in progress
    /// recovered first (`RequestQueue.recovery`), then `RequestQueue.take`.
    private func queue(into report: inout DryRunReport) throws -> [Planned] {
        let interrupted = try ledger.requests(in: [.inProgress])
        let recovered = RequestQueue.recovery(of: interrupted, outbox: Outbox(root: configuration.outboxURL))
        for (record, transition) in zip(interrupted, recovered) where transition.state == .completed {
            report.entries.append(.init(of: record, file: nil, previewed: PreviewedRequest(transition: transition)))
        }
        let completed = Set(recovered.filter { $0.state == .completed }.map(\.id))
        let queue = try RequestQueue.take(from: ledger, in: [.pending, .failed, .inProgress])
        for review in queue.reviews {
            report.entries.append(.init(id: review.id, state: review.state, reason: review.reason,
                                        outcome: "would need review: \(review.reason ?? "")"))
        }
        return queue.queued.filter { !completed.contains($0.record.id) }.map { ($0, nil) }
    }

    /// The inbox's files as intake reads them (`Intake.readyFiles`, `SubmissionReader`,
    /// the ledger's enqueue outcomes, the record intake would add): files still being
    /// written, entries that are not files, rejected files, requests already in the ledger
    /// and unverified ones are reported; the others are planned.
    private func inbox(now: Date, into report: inout DryRunReport) throws -> [Planned] {
        var listed = Intake.Report()
        let files = try Intake.readyFiles(in: configuration.inboxURL, settleSeconds: configuration.inboxSettleSeconds, report: &listed)
        for name in listed.settling { report.entries.append(.init(file: name, outcome: "still being written; a later run takes it")) }
        for entry in listed.notTaken { report.entries.append(.init(file: entry.name, outcome: "not taken: a \(entry.kind), not a file")) }
        let reader = SubmissionReader(parser: try context.requestParser(now: now), keyring: context.keyring)
        var planned: [Planned] = []
        for (file, read) in reader.read(files[...]) {
            let name = file.lastPathComponent
            do {
                let submissions = try read.get()
                let known = try ledger.enqueueOutcomes(of: submissions)
                let conflicts = zip(submissions, known).filter { $0.1 == .conflict }.map(\.0.request.id)
                guard conflicts.isEmpty else { throw Intake.conflict(ids: conflicts, file: name) }
                for (submission, outcome) in zip(submissions, known) {
                    let record = LedgerRequest(received: submission, sourceFile: context.keyring.fileReference(name),
                                               controller: configuration.controller, now: now)
                    if outcome == .duplicate {
                        report.entries.append(.init(id: record.id, file: name, type: record.type.rawValue,
                                                    outcome: "already in the ledger; nothing to do"))
                    } else if record.state == .awaitingVerification {
                        let waiting = Ledger.Transition(id: record.id, state: record.state, reason: record.stateReason)
                        report.entries.append(.init(of: record, file: name, previewed: PreviewedRequest(transition: waiting)))
                    } else {
                        planned.append(((record, submission.request), name))
                    }
                }
            } catch let error as RequestFileError {
                report.entries.append(.init(file: name, outcome: "the file would be rejected: " + error.problems.map(\.reason).joined(separator: "; ")))
            }
        }
        return planned
    }
}

/// What a dry run found, per request; never values, only ids, counts and reasons.
public struct DryRunReport: Sendable, Codable, Equatable {
    public var entries: [Entry] = []
    /// Held rows whose hold has ended: the sweep would erase them.
    public var sweepDueRows = 0

    public struct Entry: Sendable, Codable, Equatable {
        public var id: String?
        public var file: String?
        public var type: String?
        /// The state the night would leave the request in, and why, as it would record
        /// them; nil for what it would not take (a rejected file, a request already known).
        public var state: RequestState?
        public var reason: String?
        /// The same in a sentence for the officer.
        public var outcome: String
        public var receipt: Receipt?
    }

    enum CodingKeys: String, CodingKey {
        case entries = "requests", sweepDueRows = "sweep_due_rows"
    }

    public func json() -> String { ReportJSON.text(self) }

    /// The officer's sentence for the transition the night would record for a request of `type`.
    private static func sentence(for transition: Ledger.Transition, type: RequestType, receipt: Receipt?) -> String {
        let reason = transition.reason ?? ""
        switch transition.state {
        case .completed where receipt != nil: return "would carry out"
        case .completed where transition.subjectReference == nil:
            return (type.isAnswered ? "would answer: " : "would change nothing: ") + reason
        case .completed: return "would write the \(AnswerKind(for: type).fileStem)"
        case .awaitingVerification: return "would wait for identity verification"
        case .pending: return "would wait: \(reason)"
        case .needsReview: return "would need review: \(reason)"
        case .rejected: return "would be rejected: \(reason)"
        case .received, .inProgress, .failed, .cancelled: return "would fail: \(reason)"
        }
    }

    public var text: String {
        var lines = ["dry run: nothing was changed"]
        for entry in entries {
            let name = [entry.id, entry.type, entry.file.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
            lines.append("\(name): \(entry.outcome)")
            for table in entry.receipt?.tables ?? [] {
                var parts = ["\(table.rowsDeleted) deleted", "\(table.rowsChanged) changed", "\(table.rowsUnchanged) unchanged"]
                parts += table.held.map { "\($0.rows) held until \($0.lastDayHeld) (\($0.basis))" }
                lines.append("  \(table.table): " + parts.joined(separator: ", "))
            }
        }
        lines.append("sweep: \(sweepDueRows) held row(s) past their hold would be erased")
        return lines.joined(separator: "\n")
    }
}

extension DryRunReport.Entry {
    init(id: String? = nil, file: String? = nil, type: String? = nil, state: RequestState? = nil, reason: String? = nil,
         outcome: String) {
        self.init(id: id, file: file, type: type, state: state, reason: reason, outcome: outcome, receipt: nil)
    }

    /// The entry of a request the night would take, from the transition it would record.
    init(of record: LedgerRequest, file: String?, previewed: PreviewedRequest) {
        let transition = previewed.transition
        self.init(id: record.id, file: file, type: record.type.rawValue, state: transition.state, reason: transition.reason,
                  outcome: DryRunReport.sentence(for: transition, type: record.type, receipt: previewed.receipt),
                  receipt: previewed.receipt)
    }
}
