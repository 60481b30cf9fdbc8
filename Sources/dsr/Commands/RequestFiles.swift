import ArgumentParser
import DSRCore
import DSRKit
import Foundation

/// The request files `dsr validate` and `dsr submit` take.
struct RequestFileArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("Request files (.json, .yaml, .yml, .xml, OpenDSR .json, bulk .csv).", valueName: "file"))
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one request file") }
    }
}

/// Checks request files one by one with `check`, printing each file's requests or its
/// problems; returns 66 if a file is missing, else 65 if one is bad, else 0.
func checkRequestFiles(_ files: [String], _ check: (URL) throws -> Result<[DataSubjectRequest], RequestFileError>,
                       describe: (String, DataSubjectRequest) -> String) throws -> ExitStatus {
    var status = ExitStatus.success
    for file in files {
        let url = URL(fileURLWithPath: file)
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            printError("\(file): file not found or unreadable")
            status = .noInput
            continue
        }
        switch try check(url) {
        case .success(let requests):
            for request in requests { print(describe(file, request)) }
        case .failure(let error):
            printError(error.description)
            if status == .success { status = .dataError }
        }
    }
    return status
}
