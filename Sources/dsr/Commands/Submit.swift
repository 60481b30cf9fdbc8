import ArgumentParser
import DSRKit
import Foundation

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validates request files and records them in the ledger (the files stay where they are); exits 65 if any is bad.")

    @Argument(help: ArgumentHelp("Request files (.json, .yaml, .yml, .xml, OpenDSR .json, bulk .csv).", valueName: "file"))
    var files: [String]

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one request file") }
    }

    func run() throws {
        try withExitStatus {
            let now = Date()
            let intake = try options.installation().intake(now: now)
            return checkRequestFiles(files, { url in
                intake.parser.read(url).flatMap { requests in
                    intake.record(requests, sourceFile: url.lastPathComponent, now: now).map { _ in requests }
                }
            }, describe: { file, request in "\(file): recorded \(request.id)" })
        }
    }
}
