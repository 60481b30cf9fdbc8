import ArgumentParser
import DSRKit
import Foundation

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validates request files and records them in the ledger (the files stay where they are); exits 65 if any is bad.")

    @OptionGroup var requestFiles: RequestFileArguments
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try withExitStatus {
            let now = Date()
            let intake = try options.installation().intake(now: now)
            return checkRequestFiles(requestFiles.files, { url in
                intake.parser.read(url).flatMap { requests in
                    intake.record(requests, sourceFile: url.lastPathComponent, now: now).map { _ in requests }
                }
            }, describe: { file, request in "\(file): recorded \(request.id)" })
        }
    }
}
