import ArgumentParser
import DSRKit
import Foundation

struct ErasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erasure", abstract: "Works with recorded erasures.", subcommands: [Reapply.self])

    struct Reapply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erases again every person the ledger records as erased, in a store restored from an older backup.")

        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let report = try options.installation().erasureReapply().run(now: Date())
                output.print(text: report.text, json: report.json())
                return report.failed.isEmpty ? .success : .attentionNeeded
            }
        }
    }
}
