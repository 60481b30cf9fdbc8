import ArgumentParser
import DSRCore
import DSRKit
import Foundation

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manages the HMAC keys behind the ledger's pseudonymous references.",
        subcommands: [Rotate.self])

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Makes a new key the one new references are made with; older keys stay listed for lookups.",
            discussion: """
                Writes a new random key to FILE when it does not exist (mode 0600). The ledger records the \
                new key's fingerprint and the rotation in its audit trail; the configuration's hmac_keys then \
                lists the new key first and every older key after it. Never delete an older key file: the \
                ledger's references to erased people and suppressed addresses were made with it.
                """)

        @Option(name: .customLong("new"), help: ArgumentHelp("The new key file (written when missing).", valueName: "file"))
        var newKey: String

        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let configuration = try Configuration.load(from: Configuration.resolveFile(explicit: options.config))
                let outcome = try KeyRotation(configuration: configuration, actor: options.auditActor())
                    .rotate(to: URL(fileURLWithPath: newKey), now: Date())
                output.print(text: outcome.text, json: ReportJSON.text(outcome, snakeCase: true))
                return .success
            }
        }
    }
}
