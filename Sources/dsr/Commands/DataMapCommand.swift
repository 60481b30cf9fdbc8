import ArgumentParser
import DSRKit

struct DataMapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datamap", abstract: "Works with the data map.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Checks the data map against the live store; exits 78 if it does not fit.")

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let installation = try options.installation()
                let check = try installation.checkDataMap()
                if json {
                    print(check.json())
                } else {
                    check.findings.forEach { print($0) }
                    print(check.passed
                        ? "data map fits \(try installation.store().displayName) (\(check.warnings.count) warning(s))"
                        : "data map does not fit: \(check.errors.count) error(s), \(check.warnings.count) warning(s)")
                }
                return check.passed ? .success : .configuration
            }
        }
    }
}
