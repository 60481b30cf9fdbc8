import ArgumentParser
import DSRCore
import DSRKit
import Foundation

struct RecipientsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipients",
        abstract: "Art. 19: the notices recipients of the data were sent, their acknowledgements and exemptions.",
        discussion: """
            Each night writes one notice batch per recipient into outbox/recipients/<recipient>/. A recipient's \
            acknowledgement is recorded with `ack`, or by an OpenDSR status callback file dropped into inbox/recipients/.
            """,
        subcommands: [List.self, Ack.self, Exempt.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists the notices, with where each stands.")
        @Option(help: "Only this request's notices.") var request: String?
        @Flag(help: "Only notices sent and not yet acknowledged or exempted.") var unacknowledged = false
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let ledger = try options.installation().ledger()
                let notices = unacknowledged ? try ledger.unacknowledgedNotices(olderThan: 0, now: Date())
                    : try ledger.noticeStatuses(requestID: request)
                let text = notices.isEmpty ? "no notices" : notices.map { notice in
                    "\(notice.requestID) \(notice.type) → \(notice.recipient): \(notice.state)" + (notice.batch.map { " (\($0))" } ?? "")
                }.joined(separator: "\n")
                output.print(text: text, ["notices": notices])
                return .success
            }
        }
    }

    struct Ack: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Records that a recipient acted on the notices of a batch file it was sent (all, or those of --request).")
        @Argument(help: "The recipient's id in the data map.") var recipient: String
        @Argument(help: "The batch file (its name, or its path in the outbox).") var batchFile: String
        @Option(name: .customLong("request"), help: "Only this request's notice (repeatable).") var requests: [String] = []
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let name = URL(fileURLWithPath: batchFile).lastPathComponent
                let settled = try options.installation().ledger()
                    .acknowledge(recipient: recipient, batchFile: name, requestIDs: requests, via: "dsr recipients ack", now: Date())
                output.print(text: "\(settled) notice(s) of \(name) acknowledged by \(recipient)", ["acknowledged": settled])
                return .success
            }
        }
    }

    struct Exempt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Records that telling a recipient of a request is impossible or disproportionate (Art. 19), with why.")
        @Argument(help: "The request id.") var id: String
        @Argument(help: "The recipient's id in the data map.") var recipient: String
        @Option(help: "Why, as the record will show it (no names: this text is kept in the ledger).") var reason: String
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func validate() throws {
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("--reason must say why") }
        }

        func run() throws {
            try withExitStatus {
                let notice = try options.installation().ledger().exempt(requestID: id, recipient: recipient, reason: reason, now: Date())
                output.print(text: "\(id) → \(recipient): exempted", ["notice": notice])
                return .success
            }
        }
    }
}
