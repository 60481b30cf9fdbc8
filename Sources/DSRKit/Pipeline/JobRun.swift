import DSRCore
import Foundation
import Logging
import Synchronization

/// A run of a job (the nightly one: intake, then resolve, answer and carry out, sweep,
/// deadlines, with consent hygiene beside them). Every step can be interrupted and rerun:
/// requests already taken are not taken again and answers already in place are not
/// written again.
public struct JobRun {
    public let context: RunContext
    public let ledger: Ledger
    public let job: Job
    /// The ledger's run lock, taken before the ledger was opened and held while this run exists.
    let lock: RunLock
    /// Told after each batch how many of the queued requests are done; for a progress bar.
    public var progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?
    /// Asked between batches whether a signal wants the run to stop.
    public var stop: RunStop?

    public init(context: RunContext, lock: RunLock, ledger: Ledger, job: Job = Job.builtIn["nightly"]!) {
        self.context = context
        self.lock = lock
        self.ledger = ledger
        self.job = job
    }

    private var configuration: Configuration { context.configuration }
    private var store: CustomerStore { context.store }
    private var logger: Logger { context.logger }
    private var clock: @Sendable () -> Date { context.clock }

    /// Runs the job under the ledger's lock.
    public func run() throws -> RunSummary {
        let startedAt = clock()
        let tallyAtStart = context.stores.tallies
        let runID = try ledger.startRun(at: startedAt)
        logger.info("run started", metadata: ["run": "\(runID)", "job": "\(job.name)"])
        var summary = RunSummary(startedAt: startedAt, finishedAt: startedAt, intake: Intake.Report(),
                                 outbox: configuration.outboxURL.path)
        let taken = try intakeAndExpiry(now: startedAt, summary: &summary)
        if case .success(let expiry?)? = taken.expiry {
            try requestsBeside(expiry, now: startedAt, taken: taken.requests, summary: &summary)
        } else {
            try requestsAndSweep(taken: taken.requests, summary: &summary)
            // A failed hygiene pass stops the run where it always did: after the requests.
            _ = try taken.expiry?.get()
        }
        try finish(&summary)
        let tally = context.stores.tallies
        (summary.rowsRead, summary.rowsWritten) = (tally.read - tallyAtStart.read, tally.written - tallyAtStart.written)
        summary.finishedAt = clock()
        try ledger.finishRun(runID, at: summary.finishedAt, summary: summary.naming(filesBy: context.keyring.fileReference).json())
        try writeStatus(after: summary)
        logger.info("run finished", metadata: ["run": "\(runID)", "exit": "\(summary.exitStatus.rawValue)"])
        return summary
    }

    /// Consent hygiene's expiry of consents past their duration, started beside intake.
    private struct Expiry {
        var hygiene: ConsentHygiene
        var expired: Int
        var seconds: Double
    }

    /// Sweeps leftovers and takes the inbox, while consent hygiene expires consents (a
    /// write, done before the night's changes) on a thread of its own: neither touches the
    /// other's data. Returns the requests taken, by id, and the expiry when the job
    /// has a hygiene step (nil inside when the data map has no consents table).
    private func intakeAndExpiry(now: Date, summary: inout RunSummary) throws
        -> (requests: [String: DataSubjectRequest], expiry: Result<Expiry?, Error>?) {
        let intake = Intake(inbox: configuration.inboxURL, parser: try context.requestParser(now: now), ledger: ledger,
                            keyring: context.keyring, controller: configuration.controller,
                            settleSeconds: configuration.inboxSettleSeconds, logger: logger)
        summary.leftoversRemoved = Leftovers.sweep(rejected: intake.rejectedFolder, outbox: configuration.outboxURL,
                                                   files: [configuration.statusPageURL] + (configuration.metricsFileURL.map { [$0] } ?? []))
        let hygiene = job.steps.contains(.consentHygiene) ? ConsentHygiene(context: context, ledger: ledger) : nil
        let (taken, expired) = concurrently({
            job.steps.contains(.intake) ? PhaseTimer.measured { Result { try intake.run(now: now) } } : nil
        }, {
            hygiene.map { hygiene in PhaseTimer.measured { Result { try hygiene.expire(now: now) } } }
        })
        var requests: [String: DataSubjectRequest] = [:]
        if let taken {
            (summary.intake, requests) = try taken.result.map { ($0.report, $0.requests) }.get()
            summary.phaseSeconds[.intake] = taken.seconds
        }
        logger.info("intake done", metadata: ["accepted": "\(summary.intake.accepted.count)",
                                              "rejected": "\(summary.intake.rejected.count)"])
        guard let hygiene, let expired else { return (requests, nil) }
        return (requests, expired.result.map { count in count.map { Expiry(hygiene: hygiene, expired: $0, seconds: expired.seconds) } })
    }

    /// The requests and the sweep, with consent hygiene's count of ended soft opt-ins (most
    /// of its pass at a million customers) beside them on a snapshot of the store taken
    /// before the night's changes; without a snapshot reader, the count runs first.
    private func requestsBeside(_ expiry: Expiry, now: Date, taken: [String: DataSubjectRequest],
                                summary: inout RunSummary) throws {
        let count = { @Sendable (reader: CustomerStore) in
            PhaseTimer.measured { Result { try expiry.hygiene.finish(expired: expiry.expired, now: now, reading: reader) } }
        }
        let counted: (result: Result<ConsentHygiene.Outcome, Error>, seconds: Double)
        // The count takes the snapshot and lets go of it when done: a read held open for the
        // whole night would keep SQLite from checkpointing its write-ahead log.
        let snapshot = Mutex(try expiry.hygiene.store.snapshotReader())
        if snapshot.withLock({ $0 != nil }) {
            let done: Result<Void, Error>
            (done, counted) = concurrently({ Result { try requestsAndSweep(taken: taken, summary: &summary) } },
                                           { count(snapshot.withLock { $0.take()! }) })
            try done.get()
        } else {
            counted = count(expiry.hygiene.store)
            try requestsAndSweep(taken: taken, summary: &summary)
        }
        // A failed hygiene pass stops the run where it always did: after the requests.
        summary.consentHygiene = try counted.result.get()
        summary.phaseSeconds[.consentHygiene] = expiry.seconds + counted.seconds
    }

    /// The requests, then the sweep of held rows whose hold has ended.
    private func requestsAndSweep(taken: [String: DataSubjectRequest], summary: inout RunSummary) throws {
        if job.steps.contains(.process) {
            try DurableFile.createFolder(configuration.outboxURL)
            let outbox = Outbox(root: configuration.outboxURL)
            summary.recovered = try recoverInterrupted(outbox: outbox)
            let queued = try queue(taken: taken, summary: &summary)
            try process(queued, outbox: outbox, summary: &summary)
            summary.recipients = try summary.timed(.recipients) {
                try RecipientNoticeStage(configuration: configuration, map: context.map, ledger: ledger, logger: logger)
                    .run(night: context.today(at: clock()), now: clock())
            }
        }
        if job.steps.contains(.sweep) {
            let sweep = try summary.timed(.sweep) {
                try ErasureSweep(stores: context.stores, ledger: ledger, logger: logger)
                    .run(today: context.today(at: clock()), now: clock())
            }
            summary.sweptRows = sweep.rows
            if sweep.failures > 0 {
                summary.failed.append(.init(id: "sweep", reason: "\(sweep.failures) subject(s) could not be swept; retried next run"))
            }
        }
    }

    /// What the run leaves for people: the notices still missing, the ledger's retention,
    /// requests waiting for verification or review, held rows, and the deadlines.
    private func finish(_ summary: inout RunSummary) throws {
        summary.deferredRows = try ledger.pendingDeferredErasureCount()
        if job.steps.contains(.process) {
            summary.noticesWritten = try NoticeWriter(configuration: configuration, map: context.map, letters: context.letters, ledger: ledger)
                .writeMissing(try ledger.noticeCandidates(since: clock().addingTimeInterval(-31 * 86_400)), now: clock())
        }
        if job.steps.contains(.ledgerRetention) {
            let cutoff = context.today(at: clock()).adding(years: -configuration.closedRequestRetentionYears)
                .start(in: configuration.controller.timeZone)
            summary.detailsDeleted = try ledger.purgeClosedRequests(closedBefore: cutoff, now: clock())
        }
        for record in try ledger.requests(in: [.awaitingVerification]) { summary.awaitingVerification.append(record.id) }
        for record in try ledger.requests(in: [.needsReview]) {
            summary.needsReview.append(.init(id: record.id, reason: record.stateReason ?? ""))
        }
        guard job.steps.contains(.deadlines) else { return }
        summary.deadlines = try summary.timed(.deadlines) {
            DeadlineReport(records: try ledger.requests(), today: context.today(at: clock()), withinDays: 7, controller: configuration.controller,
                           breaches: BreachClock.open(try ledger.breaches(), now: clock(), zone: configuration.controller.timeZone),
                           unacknowledged: try ledger.unacknowledgedNotices(olderThan: configuration.recipientAcknowledgementDays, now: clock()))
        }
    }

    /// The status page (a job step) and the metrics file (when configured), written after
    /// the run is recorded so both count it.
    private func writeStatus(after summary: RunSummary) throws {
        let metricsURL = configuration.metricsFileURL
        guard job.steps.contains(.statusPage) || metricsURL != nil else { return }
        let zone = configuration.controller.timeZone
        let figures = try StatusFigures(ledger: ledger, now: clock(), controller: configuration.controller,
                                         acknowledgementDays: configuration.recipientAcknowledgementDays)
        if job.steps.contains(.statusPage) {
            try StatusPage(figures: figures, controller: configuration.controller).write(to: configuration.statusPageURL)
        }
        if let metricsURL { try MetricsFile(figures: figures, run: summary, zone: zone).write(to: metricsURL) }
    }

    /// Requests left in progress by a killed run: complete the ones whose answer is already
    /// in place, put the others back in the queue.
    private func recoverInterrupted(outbox: Outbox) throws -> Int {
        let transitions = RequestQueue.recovery(of: try ledger.requests(in: [.inProgress]), outbox: outbox)
        try ledger.apply(transitions, now: clock())
        return transitions.filter { $0.state == .completed }.count
    }

    /// The queued requests with their content; those that go to review are recorded so.
    private func queue(taken: [String: DataSubjectRequest], summary: inout RunSummary) throws -> [QueuedRequest] {
        try summary.timed(.queue) {
            let queue = try RequestQueue.take(from: ledger, in: [.pending, .failed], taken: taken)
            try ledger.apply(queue.reviews, now: clock())
            return queue.queued
        }
    }

    /// Carries out the queue a batch at a time. Outcomes are recorded in the ledger
    /// transaction that starts the next batch: one commit per batch. A completion comes from
    /// the publisher once the request's folder is durable and in place, so a run killed
    /// before it is recorded completes the request on recovery. A fault of the machine (a
    /// full disk, a lost store) stops the run after the batch in hand: its requests wait
    /// untouched, and the next run after the fix finishes them.
    private func process(_ queued: [QueuedRequest], outbox: Outbox, summary: inout RunSummary) throws {
        let publisher = OutboxPublisher(outbox: outbox, logger: logger)
        // Answers are read through connections of their own when the store allows, so a
        // batch's answers are written on both cores, beside its store changes.
        let runner = context.batchRunner(ledger: ledger,
                                         readers: queued.isEmpty ? [] : try (0..<2).compactMap { _ in try context.stores.concurrentReader() })
        let repeats = context.repeatedRequests(ledger: ledger)
        var record = OutcomeRecord(types: Dictionary(uniqueKeysWithValues: queued.map { ($0.record.id, $0.record.type) }))
        var night = SameNightRequests()
        do {
            night = try summary.timed(.resolve) { try SameNightRequests(queued, batchSize: configuration.batchSize, stores: context.stores) }
            var done = 0
            for batch in night.batches where record.fault == nil {
                if let signal = stop?.signal {
                    summary.stoppedBy = signal == SIGINT ? "SIGINT" : "SIGTERM"
                    break
                }
                let settled = record.settle(night.withDuplicates(publisher.collect()), into: &summary)
                try summary.timed(.record) {
                    try ledger.apply(settled + night.ids(of: batch).map { .init(id: $0, state: .inProgress) }, now: clock())
                }
                let resolved = try summary.timed(.resolve) { try ResolvedBatch(batch, of: night, stores: context.stores, repeats: repeats) }
                let outcome = runner.run(resolved, publishingWith: publisher)
                summary.phaseSeconds[.answer, default: 0] += outcome.answerSeconds
                summary.phaseSeconds[.change, default: 0] += outcome.changeSeconds
                record.hold(night.withDuplicates(outcome.transitions))
                logger.info("batch answered", metadata: ["requests": "\(batch.count)"])
                done += night.ids(of: batch).count
                progress?(done, queued.count)
            }
        } catch {
            // What earlier batches did is recorded even when a later step fails.
            try? ledger.apply(record.unrecorded + night.withDuplicates(publisher.finish()), now: clock())
            guard let fault = MachineFault.of(error) else { throw error }
            throw try stopped(by: fault)
        }
        let published = summary.timed(.publish) { night.withDuplicates(publisher.finish()) }
        let settled = record.settle(published, into: &summary)
        try summary.timed(.record) { try ledger.apply(settled, now: clock()) }
        if let fault = record.fault { throw try stopped(by: fault) }
    }

    /// The error that stops a run on a fault of the machine. The requests not done wait
    /// untouched: pending ones as they were, and those of the batch in hand (in progress) for
    /// the next run's recovery, as after a kill.
    private func stopped(by fault: DSRError) throws -> DSRError {
        let waiting = try ledger.requests(in: [.pending, .inProgress]).count
        return DSRError.machineFault("""
            \(fault.message). The run stopped: \(waiting) request(s) wait untouched (no attempt used) \
            and the next run carries them out once this is fixed (free space, reach the store).
            """, status: fault.status)
    }
}
