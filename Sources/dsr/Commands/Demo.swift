import ArgumentParser
import DSRCore
import DSRKit
import Foundation

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Builds a demo shop (a shop store and a marketing store, data map, config, sample requests) and runs the nightly job on it.")

    @Option(help: ArgumentHelp("The folder to build the demo in; an earlier demo there is replaced.", valueName: "dir"))
    var dir = "demo"

    @Option(help: "How many customers the generated store holds.")
    var customers = DemoShop.defaultCustomerCount

    @Option(help: ArgumentHelp("Where the shop's data lives: sqlite (a file in the demo folder) or postgres (--url); the marketing store is SQLite either way.", valueName: "kind"))
    var store = "sqlite"

    @Option(help: ArgumentHelp("With --store postgres: the database, postgres://user@host:port/database (no password here).", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("With --store postgres: the environment variable holding the password.", valueName: "name"))
    var passwordEnv = "DSR_STORE_PASSWORD"

    @OptionGroup var output: OutputOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (DemoShop.minimumCustomerCount...10_000_000).contains(customers) else {
            throw ValidationError("--customers must be between \(DemoShop.minimumCustomerCount) and 10000000")
        }
        switch store {
        case "sqlite": guard url == nil else { throw ValidationError("--url belongs to --store postgres") }
        case "postgres": guard url != nil else { throw ValidationError("--store postgres needs --url postgres://user@host:port/database") }
        default: throw ValidationError("--store is sqlite or postgres")
        }
    }

    func run() throws {
        try withExitStatus {
            let folder = URL(fileURLWithPath: dir).standardizedFileURL
            if !output.json { print("Building the demo shop with \(customers) customers in \(folder.path) …") }
            let postgres = try url.map { try PostgresLocation(url: $0, passwordEnvironment: passwordEnv) }
            let configurationURL = try DemoSetup.create(in: folder, customers: customers, postgres: postgres, logger: logging.logger)
            let installation = try Installation(configurationURL: configurationURL, logger: logging.logger,
                                                actor: AuditActor.resolve(explicit: nil))
            let summary = try installation.jobRun().run()
            guard !output.json else {
                output.print(text: "", DemoReport(configuration: configurationURL.path, run: summary))
                return .success
            }
            print(summary.text)
            print("""

                The demo's sample inbox holds bad files and ambiguous requests on purpose, so the \
                nightly run would exit \(summary.exitStatus.rawValue) here; `dsr demo` itself exits 0.
                Answers:        \(folder.path)/outbox/<request-id>/ (JSON, XML, manifest.json)
                Letters:        letter.html and letter.txt beside each answer, in the person's language;
                                notices (verification, extension) in \(folder.path)/outbox/notices/
                Rejected files: \(folder.path)/inbox/rejected/ (each with .error.txt)
                Next:           swift run dsr status --config \(configurationURL.path)
                """)
            return .success
        }
    }
}

/// What `dsr demo --json` prints: where the demo's configuration is, and its night.
private struct DemoReport: Encodable {
    var configuration: String
    var run: RunSummary
}
