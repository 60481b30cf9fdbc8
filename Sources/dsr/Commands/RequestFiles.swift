import ArgumentParser
import DSRCore
import DSRKit
import Foundation

/// The request files `dsr validate` and `dsr submit` take.
struct RequestFileArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("Request files (.json, .yaml, .yml, .xml, OpenDSR .json, bulk .csv); - for standard input.", valueName: "file"))
    var files: [String]

    @OptionGroup var input: InputFormatOption

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one request file") }
    }
}

/// Checks request files one by one with `check`, printing each file's requests or its
/// problems (with `--json`, one document of every file); returns 66 if a file is missing,
/// else 65 if one is bad, else 0.
func checkRequestFiles(_ arguments: RequestFileArguments, output: OutputOptions,
                       _ check: (URL) throws -> Result<[DataSubjectRequest], RequestFileError>,
                       describe: (String, DataSubjectRequest) -> String) throws -> ExitStatus {
    var status = ExitStatus.success
    var checked: [CheckedFile] = []
    for file in arguments.files {
        guard StandardStream.isStandard(file) || FileManager.default.isReadableFile(atPath: file) else {
            if !output.json { printError("\(file): file not found or unreadable") }
            checked.append(CheckedFile(file: file, problems: ["file not found or unreadable"]))
            status = .noInput
            continue
        }
        switch try arguments.input.withFile(file, check) {
        case .success(let requests):
            if !output.json { for request in requests { print(describe(file, request)) } }
            checked.append(CheckedFile(file: file, requests: requests.map { .init(id: $0.id, type: $0.type.rawValue) }))
        case .failure(let error):
            if !output.json { printError(error.description) }
            checked.append(CheckedFile(file: file, problems: error.problems.map(\.description)))
            if status == .success { status = .dataError }
        }
    }
    if output.json { output.print(text: "", ["files": checked]) }
    return status
}

/// One request file as `--json` reports it: its requests, or its problems (line and field,
/// never a value).
private struct CheckedFile: Encodable {
    struct Request: Encodable {
        var id: String
        var type: String
    }

    var file: String
    var requests: [Request] = []
    var problems: [String] = []
}
