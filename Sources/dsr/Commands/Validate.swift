import ArgumentParser
import DSRKit
import Foundation

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Checks request files against the data map without taking them; exits 65 if any is bad.")

    @OptionGroup var requestFiles: RequestFileArguments
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try withExitStatus {
            let parser = try options.installation().requestParser(now: Date())
            return try checkRequestFiles(requestFiles, output: output, { parser.read($0) }) { file, request in
                "\(file): ok (\(request.type.rawValue) request \(request.id))"
            }
        }
    }
}
