import ArgumentParser
import DSRKit
import Foundation

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Checks request files against the data map without taking them; exits 65 if any is bad.")

    @Argument(help: ArgumentHelp("Request files (.json, .yaml, .yml).", valueName: "file"))
    var files: [String]

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one request file") }
    }

    func run() throws {
        try withExitStatus {
            let installation = try options.installation()
            let parser = installation.requestParser(now: Date())
            var status = ExitStatus.success
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    printError("\(file): file not found or unreadable")
                    status = .noInput
                    continue
                }
                switch parser.parse(data, file: file) {
                case .success(let requests):
                    for request in requests { print("\(file): ok (\(request.type.rawValue) request \(request.id))") }
                case .failure(let error):
                    printError(error.description)
                    if status == .success { status = .dataError }
                }
            }
            return status
        }
    }
}
