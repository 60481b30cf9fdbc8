import Foundation
import Logging

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
    private var map: DataMap { context.map }
    private var store: CustomerStore { context.store }
    private var keyring: SubjectKeyring { context.keyring }
    private var logger: Logger { context.logger }
    private var clock: @Sendable () -> Date { context.clock }

    /// Runs the job under the ledger's lock.
    public func run() throws -> RunSummary {
        let startedAt = clock()
        let tallyAtStart = store.tally.counts
        let runID = try ledger.startRun(at: startedAt)
        logger.info("run started", metadata: ["run": "\(runID)", "job": "\(job.name)"])

        let parser = try context.requestParser(now: startedAt)
        let intake = Intake(inbox: configuration.inboxURL, parser: parser, ledger: ledger, keyring: keyring,
                            controller: configuration.controller, settleSeconds: configuration.inboxSettleSeconds, logger: logger)
        var summary = RunSummary(startedAt: startedAt, finishedAt: startedAt, intake: Intake.Report(),
                                 outbox: configuration.outboxURL.path)
        summary.leftoversRemoved = Leftovers.sweep(rejected: intake.rejectedFolder, outbox: configuration.outboxURL)
        // Consent hygiene touches neither the inbox nor the requests. Its expiry (a write)
        // runs beside intake; its count of ended soft opt-ins, most of the pass at a million
        // customers, runs beside the rest of the run through a connection of its own, on
        // the store as it was before the night's changes. Without such a connection the
        // whole pass runs beside intake.
        let hygiene = job.steps.contains(.consentHygiene) ? ConsentHygiene(context: context, ledger: ledger) : nil
        let hygieneReader = try hygiene.flatMap { _ in try store.concurrentReader() }
        let (taken, hygieneStart) = concurrently({
            job.steps.contains(.intake) ? Self.measured { Result { try intake.run(now: startedAt) } } : nil
        }, {
            hygiene.map { hygiene in
                Self.measured { Result { () -> HygieneStart in
                    guard let expired = try hygiene.expire(now: startedAt) else { return .finished(nil) }
                    if hygieneReader != nil { return .expired(expired) }
                    return .finished(try hygiene.finish(expired: expired, now: startedAt, reading: store, pinned: {}))
                } }
            }
        })
        var takenRequests: [String: DataSubjectRequest] = [:]
        if let taken {
            (summary.intake, takenRequests) = try taken.result.map { ($0.report, $0.requests) }.get()
            summary.phaseSeconds["intake"] = taken.seconds
        }
        logger.info("intake done", metadata: ["accepted": "\(summary.intake.accepted.count)",
                                              "rejected": "\(summary.intake.rejected.count)"])

        var hygieneOutcome = hygieneStart.map { (result: $0.result.map(\.outcome), seconds: $0.seconds) }
        if let hygiene, let hygieneReader, let start = hygieneStart, case .success(.expired(let expired)) = start.result {
            // The requests wait until the count's read is pinned, so it never sees their changes.
            let pinned = DispatchSemaphore(value: 0)
            let (done, counted) = concurrently({ () -> Result<Void, Error> in
                pinned.wait()
                return Result { try processAndSweep(taken: takenRequests, summary: &summary) }
            }, { () -> (result: Result<ConsentHygiene.Outcome, Error>, seconds: Double) in
                var signalled = false
                defer { if !signalled { pinned.signal() } }
                return Self.measured { Result {
                    try hygiene.finish(expired: expired, now: startedAt, reading: hygieneReader) {
                        signalled = true
                        pinned.signal()
                    }
                } }
            })
            try done.get()
            hygieneOutcome = (counted.result.map(Optional.some), start.seconds + counted.seconds)
        } else {
            try processAndSweep(taken: takenRequests, summary: &summary)
        }
        // A failed hygiene pass stops the run where it always did: after the requests.
        if let hygieneOutcome {
            summary.consentHygiene = try hygieneOutcome.result.get()
            summary.phaseSeconds["consent-hygiene"] = hygieneOutcome.seconds
        }
        summary.deferredRows = try ledger.pendingDeferredErasureCount()

        for record in try ledger.requests(in: [.awaitingVerification]) { summary.awaitingVerification.append(record.id) }
        for record in try ledger.requests(in: [.needsReview]) {
            summary.needsReview.append(.init(id: record.id, reason: record.stateReason ?? ""))
        }
        if job.steps.contains(.deadlines) {
            summary.deadlines = try Self.timed("deadlines", &summary) {
                DeadlineReport(records: try ledger.requests(), today: context.today(at: clock()), withinDays: 7,
                               breaches: BreachClock.open(try ledger.breaches(), now: clock(), zone: context.configuration.controller.timeZone))
            }
        }
        let tally = store.tally.counts
        (summary.rowsRead, summary.rowsWritten) = (tally.read - tallyAtStart.read, tally.written - tallyAtStart.written)
        summary.finishedAt = clock()
        try ledger.finishRun(runID, at: summary.finishedAt, summary: summary.naming(filesBy: keyring.fileReference).json())
        logger.info("run finished", metadata: ["run": "\(runID)", "exit": "\(summary.exitStatus.rawValue)"])
        return summary
    }

    /// How far consent hygiene got beside intake.
    private enum HygieneStart {
        /// The whole pass (nil: the data map has no consents table).
        case finished(ConsentHygiene.Outcome?)
        /// Consents expired; the count is left for a connection of its own.
        case expired(Int)

        var outcome: ConsentHygiene.Outcome? {
            if case .finished(let outcome) = self { return outcome }
            return nil
        }
    }

    /// The requests, then the sweep of held rows whose hold has ended.
    private func processAndSweep(taken: [String: DataSubjectRequest], summary: inout RunSummary) throws {
        if job.steps.contains(.process) {
            try DurableFile.createFolder(configuration.outboxURL)
            let outbox = Outbox(root: configuration.outboxURL)
            summary.recovered = try recoverInterrupted(outbox: outbox)
            try process(outbox: outbox, taken: taken, summary: &summary)
        }
        if job.steps.contains(.sweep) {
            let sweep = try Self.timed("sweep", &summary) {
                try ErasureSweep(store: store, map: map, ledger: ledger, logger: logger).run(today: context.today(at: clock()), now: clock())
            }
            summary.sweptRows = sweep.rows
            if sweep.failures > 0 {
                summary.failed.append(.init(id: "sweep", reason: "\(sweep.failures) subject(s) could not be swept; retried next run"))
            }
        }
    }

    /// Runs a phase, adding its wall time to the summary (phases that run per batch add up).
    private static func timed<T>(_ phase: String, _ summary: inout RunSummary, _ work: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        defer { summary.phaseSeconds[phase, default: 0] += seconds(since: start) }
        return try work()
    }

    /// Runs work that may share its time with another phase, and says how long it took.
    private static func measured<T>(_ work: () -> T) -> (result: T, seconds: Double) {
        let start = ContinuousClock.now
        let result = work()
        return (result, seconds(since: start))
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Requests left in progress by a killed run: complete the ones whose answer is already
    /// in place, put the others back in the queue.
    private func recoverInterrupted(outbox: Outbox) throws -> Int {
        let interrupted = try ledger.requests(in: [.inProgress])
        var transitions: [Ledger.Transition] = []
        for record in interrupted {
            if outbox.hasCompleteAnswer(for: record.id) {
                transitions.append(.init(id: record.id, state: .completed, reason: "answer found in place after an interrupted run"))
            } else {
                transitions.append(.init(id: record.id, state: .pending, reason: "retried after an interrupted run"))
            }
        }
        try ledger.apply(transitions, now: clock())
        return transitions.filter { $0.state == .completed }.count
    }

    /// - Parameter taken: the requests intake just took, by id: not decoded again from the ledger.
    private func process(outbox: Outbox, taken: [String: DataSubjectRequest], summary: inout RunSummary) throws {
        let queued = try Self.timed("queue", &summary) { try ledger.requests(in: [.pending, .failed]) }
        var answerable: [(record: LedgerRequest, request: DataSubjectRequest)] = []
        var lost: [Ledger.Transition] = []
        for record in queued {
            if record.state == .failed && record.attempts >= Ledger.maximumAttempts {
                lost.append(.init(id: record.id, state: .needsReview,
                                  reason: "failed \(record.attempts) times; last: \(record.stateReason ?? "unknown")"))
                continue
            }
            guard let request = try Self.timed("queue", &summary, { try taken[record.id] ?? record.request() }) else {
                lost.append(.init(id: record.id, state: .needsReview, reason: "the ledger no longer holds the request's content"))
                continue
            }
            answerable.append((record, request))
        }
        try ledger.apply(lost, now: clock())

        let resolver = SubjectResolver(store: store, map: map)
        let repeats = context.repeatedRequests(ledger: ledger)
        // Answers read through connections of their own when the store allows, so a batch's
        // answers are written on both cores, beside its store changes.
        let readers = answerable.isEmpty ? [] : try (0..<2).compactMap { _ in try store.concurrentReader() }
        let answers = AnswerStage(map: map, outbox: outbox, controller: configuration.controller, keyring: keyring, logger: logger)
        let changes = StoreChangeStage(context: context, ledger: ledger, outbox: outbox)
        let publisher = OutboxPublisher(outbox: outbox, logger: logger)
        let typeByID = Dictionary(uniqueKeysWithValues: answerable.map { ($0.record.id, $0.record.type) })
        // Outcomes are recorded in the ledger transaction that starts the next batch: one
        // commit per batch. A completion comes from the publisher once the request's folder
        // is durable and in place, so a run killed before it is recorded completes the
        // request on recovery.
        var unrecorded: [Ledger.Transition] = []
        // A fault of the machine (a full disk, a lost store) stops the run after the batch in
        // hand: its requests wait untouched, and the next run after the fix finishes them.
        func machineFault(_ transitions: [Ledger.Transition]) -> DSRError? { transitions.lazy.compactMap(\.machineFault).first }
        var fault: DSRError?
        do {
            var start = 0
            while start < answerable.count, fault == nil {
                if let signal = stop?.signal {
                    summary.stoppedBy = signal == SIGINT ? "SIGINT" : "SIGTERM"
                    break
                }
                let batch = Array(answerable[start..<min(start + configuration.batchSize, answerable.count)])
                start += batch.count
                let settled = Self.tally(unrecorded + publisher.collect(), types: typeByID, into: &summary)
                fault = fault ?? machineFault(settled)
                try Self.timed("record", &summary) {
                    try ledger.apply(settled + batch.map { .init(id: $0.record.id, state: .inProgress) }, now: clock())
                }
                unrecorded = []
                let resolutions = try Self.timed("resolve", &summary) {
                    var resolutions = try resolver.resolve(batch.map(\.request))
                    try repeats.holdBack(&resolutions, of: batch.map { .init($0.record) })
                    return resolutions
                }
                var answerItems: [ResolvedRequest] = []
                var changeItems: [ResolvedRequest] = []
                for (record, request) in batch {
                    let subject: StoreValue?
                    switch resolutions[record.id] ?? .notFound {
                    case .found(let found): subject = found
                    case .notFound: subject = nil
                    case .needsReview(let reason):
                        unrecorded.append(.init(id: record.id, state: .needsReview, reason: reason))
                        continue
                    }
                    if record.type.isAnswered {
                        answerItems.append(.init(record: record, request: request, subject: subject))
                    } else {
                        changeItems.append(.init(record: record, request: request, subject: subject))
                    }
                }
                let queue = AnswerQueue(answerItems)
                let answer = { (store: CustomerStore) in
                    Self.measured { answers.answer(from: queue, using: store, publishingWith: publisher, now: clock()) }
                }
                let change = { Self.measured { changes.carryOut(changeItems, publishingWith: publisher, now: clock()) } }
                let answered: [(result: [Ledger.Transition], seconds: Double)]
                let changed: (result: [Ledger.Transition], seconds: Double)
                if readers.count < 2 {
                    answered = [answer(store)]
                    changed = change()
                } else if Set(answerItems.compactMap(\.subject)).isDisjoint(with: changeItems.compactMap(\.subject)) {
                    // The second thread takes what is left of the answers once the changes are done.
                    let (first, (changedBeside, second)) = concurrently({ answer(readers[0]) }, { (change(), answer(readers[1])) })
                    (answered, changed) = ([first, second], changedBeside)
                } else {
                    // An access answer shows the person as they were before a change of the same batch.
                    let (first, second) = concurrently({ answer(readers[0]) }, { answer(readers[1]) })
                    (answered, changed) = ([first, second], change())
                }
                summary.phaseSeconds["answer", default: 0] += answered.map(\.seconds).reduce(0, +)
                summary.phaseSeconds["change", default: 0] += changed.seconds
                unrecorded += answered.flatMap(\.result) + changed.result
                fault = fault ?? machineFault(unrecorded)
                logger.info("batch answered", metadata: ["requests": "\(batch.count)"])
                progress?(start, answerable.count)
            }
        } catch {
            // What earlier batches did is recorded even when a later step fails.
            try? ledger.apply(unrecorded + publisher.finish(), now: clock())
            guard let fault = MachineFault.of(error) else { throw error }
            throw try stopped(by: fault)
        }
        let published = Self.timed("publish", &summary) { publisher.finish() }
        let settled = Self.tally(unrecorded + published, types: typeByID, into: &summary)
        try Self.timed("record", &summary) { try ledger.apply(settled, now: clock()) }
        if let fault = fault ?? machineFault(settled) { throw try stopped(by: fault) }
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

    /// Counts outcomes into the summary as they are recorded, and passes them on.
    private static func tally(_ transitions: [Ledger.Transition], types: [String: RequestType],
                              into summary: inout RunSummary) -> [Ledger.Transition] {
        for transition in transitions {
            switch transition.state {
            case .completed:
                summary.done[types[transition.id]!.rawValue, default: 0] += 1
                if transition.subjectReference == nil { summary.noDataHeld += 1 }
            case .failed:
                summary.failed.append(.init(id: transition.id, reason: transition.reason ?? ""))
            case .rejected:
                summary.rejected.append(.init(id: transition.id, reason: transition.reason ?? ""))
            case .pending:
                summary.waiting.append(.init(id: transition.id, reason: transition.reason ?? ""))
            default:
                break
            }
        }
        return transitions
    }
}
