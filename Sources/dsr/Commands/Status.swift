import ArgumentParser
import DSRCore
import DSRKit
import Foundation

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lists requests with their states and due dates.")

    @Argument(help: "Show only this request.")
    var id: String?

    @Flag(help: "Show only open requests past their due date.")
    var overdue = false

    @OptionGroup var output: OutputOptions

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try withExitStatus {
            let installation = try options.installation()
            let zone = installation.configuration.controller.timeZone
            var records = try installation.ledger().requests(id: id)
            if let id, records.isEmpty { throw DSRError(.dataError, "no request with id '\(id)' in the ledger") }
            if overdue {
                let today = CalendarDay(Date(), in: zone).description
                records = records.filter { !$0.state.isFinal && $0.dueDate < today }
            }
            let report = RequestStatusReport(records)
            output.print(text: report.text, json: report.json())
            return .success
        }
    }
}
