import ArgumentParser
import DSRKit

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs a job: 'nightly' takes the inbox, resolves subjects and writes the answers.")

    @Argument(help: "The job to run: nightly.")
    var job: String

    @OptionGroup var output: OutputOptions

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        guard job == "nightly" else {
            throw ValidationError("unknown job '\(job)'; this version runs the 'nightly' job")
        }
    }

    func run() throws {
        try withExitStatus {
            let summary = try options.installation().nightlyRun().run()
            output.print(text: summary.text, json: summary.json())
            return summary.exitStatus
        }
    }
}
