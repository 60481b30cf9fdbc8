import ArgumentParser
import DSRKit

struct DataMapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datamap", abstract: "Works with the data map.", subcommands: [Check.self])

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
                    ? "data map fits \(try installation.store().displayName) (\(check.warnings.count) warning(s))"
                    : "data map does not fit: \(check.errors.count) error(s), \(check.warnings.count) warning(s)"
                output.print(text: (check.findings.map(\.description) + [verdict]).joined(separator: "\n"), json: check.json())
                return check.passed ? .success : .configuration
            }
        }
    }
}
