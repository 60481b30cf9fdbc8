import ArgumentParser
import DSRCore
import DSRKit
import Foundation

struct ConsentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "The marketing consent ledger: import consents with their evidence, and list who may be contacted.",
        subcommands: [Import.self, Eligible.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Imports consents (CSV with a header, or a JSON list): good rows are recorded, each bad one is named with its line and reason; exits 1 if any was rejected.")
        @Argument(help: "The consents file (.csv or .json), or - for standard input.") var file: String
        @OptionGroup var input: InputFormatOption
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let installation = try options.installation()
                let outcome = try input.withFile(file) { try ConsentImport(installation: installation).run($0, now: Date()) }
                output.print(text: outcome.text, json: ReportJSON.text(outcome))
                return outcome.exitStatus
            }
        }
    }

    struct Eligible: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lists who may be contacted on a channel for a purpose today, each with the consent or relationship that allows it.")
        @Option(help: ArgumentHelp("email, sms, phone or post.", valueName: "channel")) var channel: ConsentChannel
        @Option(help: ArgumentHelp("The purpose, as consents name it (e.g. newsletter).", valueName: "purpose")) var purpose: String
        @Option(help: ArgumentHelp("csv or json.", valueName: "format")) var format: ConsentEligibility.Format = .csv
        @Option(help: ArgumentHelp("Write the list to this file (mode 0600); - or none: standard output.", valueName: "file"))
        var out: String?
        @Option(help: ArgumentHelp("The moment the contacts will be made, ISO 8601 with its UTC offset (default: now); consents that have ended by then are left out.",
                                   valueName: "time"))
        var at: Instant?
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let now = at?.date ?? Date()
                let format = output.json ? .json : format
                let eligibility = ConsentEligibility(installation: try options.installation(), channel: channel, purpose: purpose)
                let known = try eligibility.knownPurposes()
                guard known.contains(purpose) else {
                    throw DSRError(.usage, "--purpose: no consent names this purpose; known: \(known.joined(separator: ", "))")
                }
                var counts = ConsentEligibility.Counts()
                if let out, !StandardStream.isStandard(out) {
                    try DurableFile.write(to: URL(fileURLWithPath: out)) { file in
                        counts = try eligibility.write(format, now: now) { try file.write($0) }
                    }
                } else {
                    let stdout = BufferedStandardOutput()
                    counts = try eligibility.write(format, now: now) { stdout.write($0) }
                    stdout.flush()
                }
                printError("\(counts.eligible) eligible, \(counts.suppressed) left out by the suppression list")
                return .success
            }
        }
    }
}

/// Standard output written in large pieces: a list of a million people is not a million
/// system calls.
final class BufferedStandardOutput {
    private var buffer = Data()

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        FileHandle.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

extension ConsentChannel: ExpressibleByArgument {}
extension ConsentEligibility.Format: ExpressibleByArgument {}
