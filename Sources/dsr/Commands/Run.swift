import ArgumentParser
import DSRCore
import Foundation
import DSRKit

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs a job: 'nightly' takes the inbox, answers and carries out requests, sweeps and checks deadlines; 'hourly' takes the inbox and checks deadlines.",
        discussion: "A job is jobs/<name>.yaml beside the configuration if there is one, else built in; or give a job file (FILE.yaml).")

    @Argument(help: "The job: nightly, hourly, or a job file.")
    var job: String

    @Flag(help: "Report per request what would be answered, erased, kept and deferred, and change nothing.")
    var dryRun = false

    @Flag(help: "Print nothing unless something needs a person: failures, reviews, rejected files, overdue requests, breach clocks running. The exit code is the same.")
    var quiet = false

    @OptionGroup var output: OutputOptions

    @OptionGroup var options: GlobalOptions

    func run() throws {
        try withExitStatus {
            let installation = try options.installation()
            let job = try Job.resolve(job, configuration: installation.configuration)
            if dryRun {
                let report = try installation.dryRun().run()
                output.print(text: report.text, json: report.json())
                return .success
            }
            var run = try installation.jobRun(job)
            if isatty(STDERR_FILENO) != 0 && !output.json && !quiet { run.progress = ProgressBar.draw }
            let stop = RunStop()
            let handlers = Self.stopOnSignals(stop)
            run.stop = stop
            let summary = try run.run()
            withExtendedLifetime(handlers) {}
            if run.progress != nil { ProgressBar.clear() }
            if !quiet || summary.needsAttention { output.print(text: summary.text, json: summary.json()) }
            if let signal = stop.signal { throw ExitCode(128 + signal) }
            return summary.exitStatus
        }
    }

    /// SIGTERM (systemd stopping the service) and SIGINT (Ctrl-C): the first asks the run to
    /// stop after the batch in hand; a second ends the process at once, which is as safe as
    /// any kill (every step is transactional and resumable).
    private static func stopOnSignals(_ stop: RunStop) -> [DispatchSourceSignal] {
        [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.signal != nil { _exit(128 + number) }
                stop.request(by: number)
            }
            source.resume()
            return source
        }
    }
}
