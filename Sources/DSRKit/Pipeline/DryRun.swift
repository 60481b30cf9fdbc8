import DSRCore
import Foundation
import Logging

/// `dsr run nightly --dry-run`: what the nightly run would do with the inbox and the
/// queued requests, per request, without changing anything: no file moves, the ledger is
/// only read, and store changes run on a `PreviewSession`.
public struct DryRun {
    public let context: RunContext
    /// Nil before the first real run.
    public let ledger: Ledger?

    public init(context: RunContext, ledger: Ledger?) {
        self.context = context
        self.ledger = ledger
    }

    private var configuration: Configuration { context.configuration }
    private var map: DataMap { context.map }
    private var store: CustomerStore { context.store }
    private var clock: @Sendable () -> Date { context.clock }

    /// A request the night would take: from the ledger's queue or from the inbox.
    private struct Planned {
        /// The request as the repeat check sees it (id, type, receipt, the officer's confirmation).
        var candidate: RepeatedRequests.Candidate
        var request: DataSubjectRequest
        /// The inbox file it comes from; nil for a request already in the ledger.
        var file: String?

        var id: String { candidate.id }
        var type: RequestType { candidate.type }
    }

    public func run() throws -> DryRunReport {
        let lock = try RunLock(ledgerURL: configuration.ledgerURL)
        defer { withExtendedLifetime(lock) {} }
        let now = clock()
        var report = DryRunReport()
        let planned = try queue(into: &report) + inbox(now: now, into: &report)
        var resolutions = try SubjectResolver(store: store, map: map).resolve(planned.map(\.request))
        try ledger.map { ledger in
            try context.repeatedRequests(ledger: ledger).holdBack(&resolutions, of: planned.map(\.candidate))
        }
        for item in planned {
            var entry = DryRunReport.Entry(id: item.id, file: item.file, type: item.type.rawValue, outcome: "")
            (entry.outcome, entry.receipt) = try outcome(of: item, resolution: resolutions[item.id] ?? .notFound, now: now)
            report.entries.append(entry)
        }
        report.sweepDueRows = try ledger.map { ledger in
            try ErasureSweep(store: store, map: map, ledger: ledger, logger: context.logger).due(today: context.today(at: now))
                .reduce(0) { $0 + $1.rows.count }
        } ?? 0
        return report
    }

    /// The ledger's queue as the night takes it (`RequestQueue`); requests in progress
    /// after a killed run are queued again by the night's recovery.
    private func queue(into report: inout DryRunReport) throws -> [Planned] {
        guard let queue = try ledger.map({ try RequestQueue.take(from: $0, in: [.pending, .failed, .inProgress]) }) else { return [] }
        for review in queue.reviews {
            report.entries.append(.init(id: review.id, outcome: "would need review: \(review.reason ?? "")"))
        }
        return queue.queued.map { record, request in
            Planned(candidate: .init(record), request: request, file: nil)
        }
    }

    /// The inbox's files as intake reads them (`Intake.readyFiles`, `SubmissionReader`,
    /// the ledger's enqueue outcomes): files still being written, entries that are not
    /// files, rejected files, requests already in the ledger and unverified ones are
    /// reported; the others are planned.
    private func inbox(now: Date, into report: inout DryRunReport) throws -> [Planned] {
        var listed = Intake.Report()
        let files = try Intake.readyFiles(in: configuration.inboxURL, settleSeconds: configuration.inboxSettleSeconds, report: &listed)
        for name in listed.settling { report.entries.append(.init(file: name, outcome: "still being written; a later run takes it")) }
        for entry in listed.notTaken { report.entries.append(.init(file: entry.name, outcome: "not taken: a \(entry.kind), not a file")) }
        let reader = SubmissionReader(parser: try context.requestParser(now: now), keyring: context.keyring)
        var planned: [Planned] = []
        for (file, read) in reader.read(files[...]) {
            let name = file.lastPathComponent
            let submissions: [Ledger.Submission]
            do {
                submissions = try read.get()
                let known = try ledger?.enqueueOutcomes(of: submissions) ?? submissions.map { _ in nil }
                let conflicts = zip(submissions, known).filter { $0.1 == .conflict }.map(\.0.request.id)
                guard conflicts.isEmpty else { throw Intake.conflict(ids: conflicts, file: name) }
                planned += zip(submissions, known).compactMap { submission, outcome in
                    let request = submission.request
                    let waiting = outcome == .duplicate ? "already in the ledger; nothing to do"
                        : request.verification == nil ? "would wait for identity verification" : nil
                    guard let waiting else {
                        let candidate = RepeatedRequests.Candidate(id: request.id, type: request.type, receivedAt: request.receivedAt,
                                                                   confirmed: false)
                        return Planned(candidate: candidate, request: request, file: name)
                    }
                    report.entries.append(.init(id: request.id, file: name, type: request.type.rawValue, outcome: waiting))
                    return nil
                }
            } catch let error as RequestFileError {
                report.entries.append(.init(file: name, outcome: "the file would be rejected: " + error.problems.map(\.reason).joined(separator: "; ")))
            }
        }
        return planned
    }

    /// What the night would do with a request whose person resolved as `resolution`: the
    /// same gate as the night's, and the store change carried out on a `PreviewSession`.
    private func outcome(of item: Planned, resolution: SubjectResolver.Resolution, now: Date) throws -> (String, Receipt?) {
        let subject: StoreValue
        switch resolution {
        case .needsReview(let reason): return ("would need review: \(reason)", nil)
        case .notFound: return (item.type.isAnswered ? "would answer: no personal data held" : "would change nothing: no personal data held", nil)
        case .found(let found): subject = found
        }
        guard let change = try context.storeChange(for: item.type, now: now) else {
            return ("would write the \(AnswerKind(for: item.type).fileStem)", nil)
        }
        if let ledger, let reason = try ChangeGate(ledger: ledger, keyring: context.keyring, map: map)
            .waitingReason(for: item.type, subject: subject) {
            return ("would wait: \(reason)", nil)
        }
        do {
            let receipt = try store.reading { session in
                try change.carryOut(for: item.request, subject: subject, in: PreviewSession(reads: session)).receipt
            }
            return ("would carry out", receipt)
        } catch let rejection as RequestRejection {
            return ("would be rejected: \(rejection.reason)", nil)
        } catch {
            return ("would fail: \(error)", nil)
        }
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
        public var outcome: String
        public var receipt: Receipt?
    }

    enum CodingKeys: String, CodingKey {
        case entries = "requests", sweepDueRows = "sweep_due_rows"
    }

    public func json() -> String { ReportJSON.text(self) }

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
