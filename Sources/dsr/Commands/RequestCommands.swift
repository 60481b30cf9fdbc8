import ArgumentParser
import DSRCore
import DSRKit
import Foundation

/// Runs one change to one request in the ledger and prints where it stands after.
private func changeRequest(_ options: GlobalOptions, _ output: OutputOptions,
                           _ body: (Installation, Ledger, Date) throws -> LedgerRequest) throws {
    try withExitStatus {
        let installation = try options.installation()
        let now = Date()
        let record = try body(installation, try installation.ledger(), now)
        let report = RequestStatusReport([record], zone: installation.configuration.controller.timeZone)
        // The letter the change calls for (an extension, a refusal, …); a run writes it if
        // this one is stopped first.
        let letterWritten = try installation.writeNotices(for: [record], now: now) > 0
        output.print(text: report.text + (letterWritten ? "\na letter to the person is in the outbox" : ""),
                     ChangedRequest(request: report.rows[0], letterWritten: letterWritten))
        return .success
    }
}

/// What a change to a request prints with `--json`.
private struct ChangedRequest: Encodable {
    var request: RequestStatusReport.Row
    var letterWritten: Bool

    enum CodingKeys: String, CodingKey {
        case request, letterWritten = "letter_written"
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Marks a request's identity as verified; it is carried out next run.")
    @Argument(help: "The request id.") var id: String
    @Option(help: "How the identity was verified, e.g. bankid or in-person.") var method: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try changeRequest(options, output) { installation, ledger, now in
            try ledger.verify(id, method: method, now: now, controller: installation.configuration.controller)
        }
    }
}

struct Cancel: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cancels an open request (withdrawn by the person, or a duplicate).")
    @Argument(help: "The request id.") var id: String
    @Option(help: "Why (no personal data: this text is kept).") var reason: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try changeRequest(options, output) { _, ledger, now in try ledger.cancel(id, reason: reason, now: now) }
    }
}

struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Settles a request that needs review or failed: add an identity, retry it, or reject it.",
        discussion: """
            --identity adds an identity to a request whose identities matched several people or \
            disagreed; the next run answers for the one person they all name, or puts it back \
            with the reason. --retry runs it again (after the store was corrected, or to carry \
            out a repeated request anyway).
            """)
    @Argument(help: "The request id.") var id: String
    @Option(name: .customLong("identity"), help: IdentityOption.help) var identities: [String] = []
    @Flag(help: "Run it again next night (say, after correcting the store, or a repeat the person may make).") var retry = false
    @Option(help: "Reject it with this reason.") var reject: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: GlobalOptions

    func validate() throws {
        guard [!identities.isEmpty, retry, reject != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give one of --identity name=value, --retry or --reject REASON")
        }
        _ = try IdentityOption.pairs(identities)
    }

    func run() throws {
        try changeRequest(options, output) { installation, ledger, now in
            guard identities.isEmpty else {
                let added = try installation.normalizedIdentities(try IdentityOption.pairs(identities))
                return try ledger.review(id, adding: added, now: now)
            }
            return try ledger.review(id, retry: retry, reason: reject, now: now)
        }
    }
}

struct Extend: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Extends a request's deadline by two months (Art. 12(3)); refused after the due date.")
    @Argument(help: "The request id.") var id: String
    @Option(help: "Why: complexity or number of requests, as told to the person.") var reason: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try changeRequest(options, output) { installation, ledger, now in
            try ledger.extend(id, reason: reason, now: now, controller: installation.configuration.controller)
        }
    }
}

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stops a request's clock while information to verify the identity is asked for.")
    @Argument(help: "The request id.") var id: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try changeRequest(options, output) { _, ledger, now in try ledger.pause(id, now: now) }
    }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Starts the clock again; the due date moves by the whole days it stood still.")
    @Argument(help: "The request id.") var id: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try changeRequest(options, output) { installation, ledger, now in
            try ledger.resume(id, now: now, controller: installation.configuration.controller)
        }
    }
}

struct Deadlines: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists open requests overdue or due soon, the 72-hour clocks of breaches not yet notified, and recipient notices not acknowledged; exits 1 when anything is overdue.")
    @Option(help: "How many days ahead count as due soon.") var within = 7
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try withExitStatus {
            let installation = try options.installation()
            let ledger = try installation.ledger()
            let now = Date()
            let zone = installation.configuration.controller.timeZone
            let report = DeadlineReport(records: try ledger.requests(), today: CalendarDay(now, in: zone), withinDays: within,
                                        controller: installation.configuration.controller,
                                        breaches: BreachClock.open(try ledger.breaches(), now: now, zone: zone),
                                        unacknowledged: try ledger.unacknowledgedNotices(
                                            olderThan: installation.configuration.recipientAcknowledgementDays, now: now))
            output.print(text: report.text, json: report.json())
            return report.exitStatus
        }
    }
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The ledger's hash-chained audit trail.", subcommands: [Check.self, Show.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Recomputes the chain; exits 65 naming the first broken entry.")
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let result = try options.installation().ledger().verifyAudit()
                let text = result.firstBrokenEntry.map { "audit trail broken at entry \($0): \(result.problem ?? "")" }
                    ?? "audit trail intact: \(result.entries) entries"
                output.print(text: text, json: ReportJSON.text(result))
                return result.firstBrokenEntry == nil ? .success : .dataError
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prints the trail, or one request's part of it.")
        @Argument(help: "Only this request.") var id: String?
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let entries = try options.installation().ledger().auditEntries(requestID: id)
                let lines = entries.map {
                    "\($0.id)  \(Timestamp.format($0.at))  \($0.actor ?? "-")  \($0.requestID ?? "-")  \($0.action)  \($0.detail)"
                }
                output.print(text: lines.joined(separator: "\n"), json: ReportJSON.text(["entries": entries]))
                return .success
            }
        }
    }
}
