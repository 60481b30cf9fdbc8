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

    public func run() throws -> DryRunReport {
        let lock = try RunLock(ledgerURL: configuration.ledgerURL)
        defer { withExtendedLifetime(lock) {} }
        let now = clock()
        let parser = try context.requestParser(now: now)
        var report = DryRunReport()
        var queued: [(id: String, type: RequestType, request: DataSubjectRequest, file: String?, confirmed: Bool)] = []
        // Requests in progress after a killed run are queued again by the night's recovery.
        if let queue = try ledger.map({ try RequestQueue.take(from: $0, in: [.pending, .failed, .inProgress]) }) {
            for (record, request) in queue.queued { queued.append((record.id, record.type, request, nil, record.repeatConfirmed)) }
            for review in queue.reviews {
                report.entries.append(.init(id: review.id, outcome: "would need review: \(review.reason ?? "")"))
            }
        }
        for (file, _) in try Intake.listing(of: configuration.inboxURL).files {
            let name = file.lastPathComponent
            switch parser.read(file) {
            case .failure(let error):
                report.entries.append(.init(file: name, outcome: "the file would be rejected: " + error.problems.map(\.reason).joined(separator: "; ")))
            case .success(let requests):
                for request in requests {
                    if try ledger?.requests(id: request.id).isEmpty == false {
                        report.entries.append(.init(id: request.id, file: name, type: request.type.rawValue, outcome: "already in the ledger; nothing to do"))
                    } else if request.verification == nil {
                        report.entries.append(.init(id: request.id, file: name, type: request.type.rawValue, outcome: "would wait for identity verification"))
                    } else {
                        queued.append((request.id, request.type, request, name, false))
                    }
                }
            }
        }
        var resolutions = try SubjectResolver(store: store, map: map).resolve(queued.map(\.request))
        try ledger.map { ledger in
            try context.repeatedRequests(ledger: ledger).holdBack(&resolutions, of: queued.map {
                .init(id: $0.id, type: $0.type, receivedAt: $0.request.receivedAt, confirmed: $0.confirmed)
            })
        }
        for item in queued {
            var entry = DryRunReport.Entry(id: item.id, file: item.file, type: item.type.rawValue, outcome: "")
            switch resolutions[item.id] ?? .notFound {
            case .needsReview(let reason):
                entry.outcome = "would need review: \(reason)"
            case .notFound:
                entry.outcome = item.type.isAnswered ? "would answer: no personal data held" : "would change nothing: no personal data held"
            case .found(let subject):
                guard let change = try context.storeChange(for: item.type, now: now) else {
                    entry.outcome = "would write the \(AnswerKind(for: item.type).fileStem)"
                    break
                }
                if let ledger, let reason = try ChangeGate(ledger: ledger, keyring: context.keyring, map: map)
                    .waitingReason(for: item.type, subject: subject) {
                    entry.outcome = "would wait: \(reason)"
                    break
                }
                do {
                    entry.receipt = try store.reading { session in
                        try change.carryOut(for: item.request, subject: subject, in: PreviewSession(reads: session)).receipt
                    }
                    entry.outcome = "would carry out"
                } catch let rejection as RequestRejection {
                    entry.outcome = "would be rejected: \(rejection.reason)"
                } catch {
                    entry.outcome = "would fail: \(error)"
                }
            }
            report.entries.append(entry)
        }
        report.sweepDueRows = try ledger.map { ledger in
            try ErasureSweep(store: store, map: map, ledger: ledger, logger: context.logger).due(today: context.today(at: now))
                .reduce(0) { $0 + $1.rows.count }
        } ?? 0
        return report
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
