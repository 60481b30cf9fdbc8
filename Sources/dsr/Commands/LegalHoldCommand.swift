import ArgumentParser
import DSRCore
import DSRKit
import Foundation

struct LegalHoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legal-hold",
        abstract: "Keeps everything of a person while legal claims need it (Art. 17(3)(e)): erasure waits until lifted.",
        subcommands: [Place.self, Lift.self, List.self])

    /// The identities naming the person, as `name=value`.
    struct Person: ParsableArguments {
        @Option(name: .customLong("identity"), help: IdentityOption.help)
        var identities: [String] = []

        func validate() throws {
            guard !identities.isEmpty else { throw ValidationError("name the person with at least one --identity name=value") }
            _ = try IdentityOption.pairs(identities)
        }

        var pairs: [String: String] { (try? IdentityOption.pairs(identities)) ?? [:] }
    }

    struct Place: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Places a hold on the person the identities name.")
        @OptionGroup var person: Person
        @Option(help: "Why: the claim or case (no names: this text is kept in the ledger).")
        var reason: String
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let installation = try options.installation()
                let references = try installation.subjectReferences(identities: person.pairs)
                let hold = try installation.ledger().placeLegalHold(subjectReferences: references, reason: reason, now: Date())
                output.print(text: "legal hold \(hold.id) stands since \(Timestamp.format(hold.placedAt))", ["legal_hold": hold])
                return .success
            }
        }
    }

    struct Lift: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lifts the hold on the person; waiting erasures run next night.")
        @OptionGroup var person: Person
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let installation = try options.installation()
                let references = try installation.subjectReferences(identities: person.pairs)
                guard let hold = try installation.ledger().liftLegalHold(subjectReferences: references, now: Date()) else {
                    throw DSRError(.dataError, "no legal hold stands on this person")
                }
                output.print(text: "legal hold \(hold.id) lifted", ["legal_hold": hold])
                return .success
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists legal holds, standing and lifted.")
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let holds = try options.installation().ledger().legalHolds()
                let lines = holds.map { hold in
                    "\(hold.id)  \(String(hold.subjectReference.prefix(12)))…  placed \(Timestamp.format(hold.placedAt))  "
                        + (hold.liftedAt.map { "lifted \(Timestamp.format($0))" } ?? "standing") + "  \(hold.reason)"
                }
                output.print(text: lines.isEmpty ? "no legal holds" : lines.joined(separator: "\n"),
                             json: ReportJSON.text(["legal_holds": holds]))
                return .success
            }
        }
    }
}
