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
            let parser = try options.installation().requestParser(now: Date())
            return checkRequestFiles(files, parser.read) { file, request in
                "\(file): ok (\(request.type.rawValue) request \(request.id))"
            }
        }
    }
}
