import ArgumentParser
import DSRKit
import Foundation

struct RestrictionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restriction", abstract: "Works with Art. 18 restrictions.", subcommands: [Lift.self])

    struct Lift: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lifts the restriction a completed restriction request set, telling the person first (Art. 18(3)).",
            discussion: """
                Writes the letter to the person (outbox/notices/restriction-lift/ID/), then clears the \
                person's restriction marks in every store; rows an erasure deferred under a hold keep \
                theirs. Stopped part way, the same command run again finishes.
                """)

        @Argument(help: "The id of the completed restriction request.") var id: String
        @Option(help: "Why the restriction ends, as told to the person (no personal data of others: this text is kept).") var reason: String
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func validate() throws {
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("--reason must not be empty") }
        }

        func run() throws {
            try withExitStatus {
                let outcome = try options.installation().restrictionLift().lift(id, reason: reason, now: Date())
                output.print(text: outcome.text, json: outcome.json())
                return .success
            }
        }
    }
}
