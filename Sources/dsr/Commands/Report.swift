import ArgumentParser
import DSRCore
import DSRKit
import Foundation

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Writes the privacy officer's status page: counts, deadlines, breach clocks and charts, request ids only.",
        discussion: """
            One self-contained HTML file (no scripts, no external resources) in the controller's default language. \
            The nightly and hourly jobs write it after every run to status_page (report/index.html beside the configuration).
            """)

    @Option(help: ArgumentHelp("The HTML file to write (0600, replaced atomically); - for standard output.", valueName: "file"))
    var html: String

    @OptionGroup var output: OutputOptions

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try withExitStatus {
            let installation = try options.installation()
            let controller = installation.configuration.controller
            let page = StatusPage(figures: try StatusFigures(ledger: installation.ledger(), now: Date(), controller: controller,
                                                                    acknowledgementDays: installation.configuration.recipientAcknowledgementDays),
                                  controller: controller)
            guard !StandardStream.isStandard(html) else {
                FileHandle.standardOutput.write(Data(try page.html().utf8))
                return .success
            }
            let url = URL(fileURLWithPath: html).standardizedFileURL
            try page.write(to: url)
            output.print(text: "status page: \(url.path)", ["status_page": url.path])
            return .success
        }
    }
}
