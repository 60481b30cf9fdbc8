import ArgumentParser
import DSRCore
import DSRKit
import Foundation

struct DataMapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datamap", abstract: "Works with the data map.", subcommands: [Check.self, Scaffold.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Checks the data map against the live store; exits 78 if it does not fit.")

        @OptionGroup var output: OutputOptions

        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let installation = try options.installation()
                let check = try installation.checkDataMap()
                let verdict = check.passed
                    ? "data map fits \(try installation.stores().stores.map(\.store.displayName).joined(separator: " and ")) (\(check.warnings.count) warning(s))"
                    : "data map does not fit: \(check.errors.count) error(s), \(check.warnings.count) warning(s)"
                output.print(text: (check.findings.map(\.description) + [verdict]).joined(separator: "\n"), json: check.json())
                return check.passed ? .success : .configuration
            }
        }
    }

    struct Scaffold: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes a first data map from the live store's schema, for a person to review.",
            discussion: """
                Every table that reaches the subject table through foreign keys is mapped with its \
                references and its columns, categories guessed from their names, nothing erased or \
                exported until a person decides; REVIEW marks what to write or confirm. The output \
                passes `dsr datamap check` as it is. The configuration's store is read; its data map \
                file need not exist yet.
                """)

        @Option(help: "The table with one row per person (default: the one most tables reach through foreign keys).")
        var subject: String?
        @Option(name: .customLong("identity"), help: "A column of the subject table requests may name; repeatable (default: email- and phone-like columns and the key).")
        var identities: [String] = []
        @Option(help: "The configured store to describe, by name (default: the first in the configuration).")
        var store: String?
        @Option(help: "Write the map to this file (refused if it exists); - or none: standard output.")
        var out: String?
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let configuration = try Configuration.load(from: Configuration.resolveFile(explicit: options.config))
                guard let named = store.map({ name in configuration.stores.first { $0.name == name } }) ?? configuration.stores.first else {
                    throw DSRError(.usage, "--store: the configuration names no store '\(store ?? "")'; it names "
                                   + configuration.stores.map(\.name).joined(separator: ", "))
                }
                let store = try StoreSet.open(named.location, keyring: nil, logger: options.logging.logger)
                let yaml = try DataMapScaffold(schema: try store.schema(), subject: subject, identityColumns: identities).yaml
                guard let out, !StandardStream.isStandard(out) else {
                    output.print(text: String(yaml.dropLast(yaml.hasSuffix("\n") ? 1 : 0)), ["datamap": yaml])
                    return .success
                }
                guard !FileManager.default.fileExists(atPath: out) else {
                    throw DSRError(.cannotCreate, "\(out) exists; dsr does not overwrite a data map")
                }
                guard FileManager.default.createFile(atPath: out, contents: Data(yaml.utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw DSRError(.cannotCreate, "\(out): cannot be written")
                }
                if output.json { output.print(text: "", ["written": out]) }
                return .success
            }
        }
    }
}
