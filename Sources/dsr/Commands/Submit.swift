import ArgumentParser
import DSRKit
import Foundation

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validates request files and records them in the ledger (the files stay where they are); exits 65 if any is bad.")

    @OptionGroup var requestFiles: RequestFileArguments
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try withExitStatus {
            let now = Date()
            let intake = try options.installation().intake(now: now)
            return try checkRequestFiles(requestFiles, output: output, { url in
                switch intake.parser.read(url) {
                case .success(let requests): return try intake.record(requests, sourceFile: url.lastPathComponent, now: now).map { _ in requests }
                case .failure(let error): return .failure(error)
                }
            }, describe: { file, request in "\(file): recorded \(request.id)" })
        }
    }
}
