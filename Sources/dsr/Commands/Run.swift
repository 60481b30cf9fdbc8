import ArgumentParser
import DSRKit

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs a job: 'nightly' takes the inbox, resolves subjects and writes the answers.")

    @Argument(help: "The job to run: nightly.")
    var job: String

    @Flag(help: "Report per request what would be answered, erased, kept and deferred, and change nothing.")
    var dryRun = false

    @OptionGroup var output: OutputOptions

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        guard job == "nightly" else {
            throw ValidationError("unknown job '\(job)'; this version runs the 'nightly' job")
        }
    }

    func run() throws {
        try withExitStatus {
            let installation = try options.installation()
            if dryRun {
                let report = try installation.dryRun().run()
                output.print(text: report.text, json: report.json())
                return .success
            }
            let summary = try installation.nightlyRun().run()
            output.print(text: summary.text, json: summary.json())
            return summary.exitStatus
        }
    }
}
