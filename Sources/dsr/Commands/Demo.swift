import ArgumentParser
import DSRKit
import Foundation

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Builds a demo shop (store, data map, config, sample requests) and runs the nightly job on it.")

    @Option(help: ArgumentHelp("The folder to build the demo in; an earlier demo there is replaced.", valueName: "dir"))
    var dir = "demo"

    @Option(help: "How many customers the generated store holds.")
    var customers = DemoShop.defaultCustomerCount

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (DemoShop.minimumCustomerCount...10_000_000).contains(customers) else {
            throw ValidationError("--customers must be between \(DemoShop.minimumCustomerCount) and 10000000")
        }
    }

    func run() throws {
        try withExitStatus {
            let folder = URL(fileURLWithPath: dir).standardizedFileURL
            print("Building the demo shop with \(customers) customers in \(folder.path) …")
            let configurationURL = try DemoSetup.create(in: folder, customers: customers)
            let installation = try Installation(configurationURL: configurationURL, logger: logging.logger)
            let summary = try installation.jobRun().run()
            print(summary.text)
            print("""

                The demo's sample inbox holds bad files and ambiguous requests on purpose, so the \
                nightly run would exit \(summary.exitStatus.rawValue) here; `dsr demo` itself exits 0.
                Answers:        \(folder.path)/outbox/<request-id>/ (JSON, XML, manifest.json)
                Rejected files: \(folder.path)/inbox/rejected/ (each with .error.txt)
                Next:           swift run dsr status --config \(configurationURL.path)
                """)
            return .success
        }
    }
}
