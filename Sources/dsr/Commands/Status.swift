import ArgumentParser
import DSRCore
import DSRKit
import Foundation

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Counts and lists requests with their states and due dates.",
        discussion: "Times are in the controller's time zone. The counts cover every request the filters select; --limit only shortens the list.")

    @Argument(help: "Show only this request.")
    var id: String?

    @Option(name: .customLong("state"), help: "Only requests in this state (repeatable).")
    var states: [RequestState] = []

    @Option(name: .customLong("type"), help: "Only requests of this type (repeatable).")
    var types: [RequestType] = []

    @Flag(help: "Show only open requests past their due date.")
    var overdue = false

    @Option(name: .customLong("due-within"), help: ArgumentHelp("Only open requests due from today to N days ahead.", valueName: "days"))
    var dueWithinDays: Int?

    @Option(help: ArgumentHelp("Only requests received on or after this day (YYYY-MM-DD, the controller's zone) or moment (ISO 8601 with offset).",
                               valueName: "date"))
    var since: String?

    @Option(help: "List at most this many requests, oldest first.")
    var limit: Int?

    @OptionGroup var output: OutputOptions

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if let dueWithinDays, dueWithinDays < 0 { throw ValidationError("--due-within is a number of days, 0 or more") }
        if let limit, limit < 1 { throw ValidationError("--limit is 1 or more") }
        if let since, CalendarDay(iso: since) == nil, Timestamp.parse(since) == nil {
            throw ValidationError("--since is a day (YYYY-MM-DD) or a moment with its offset (2026-11-30T08:00:00+01:00)")
        }
    }

    func run() throws {
        try withExitStatus {
            let installation = try options.installation()
            let zone = installation.configuration.controller.timeZone
            let filter = RequestFilter(id: id, states: states, types: types, overdue: overdue, dueWithinDays: dueWithinDays,
                                       receivedSince: since.flatMap { CalendarDay(iso: $0)?.start(in: zone) ?? Timestamp.parse($0) },
                                       limit: limit)
            let ledger = try installation.ledger()
            let (records, counts) = try ledger.requests(matching: filter, today: CalendarDay(Date(), in: zone))
            if let id, records.isEmpty { throw DSRError(.dataError, "no request with id '\(id)' in the ledger") }
            var report = RequestStatusReport(records, counts: id == nil ? counts : nil, zone: zone)
            if let id { report.notices = try ledger.noticeStatuses(requestID: id) }
            output.print(text: report.text, json: report.json())
            return .success
        }
    }
}

extension RequestState: ExpressibleByArgument {}
extension RequestType: ExpressibleByArgument {}
