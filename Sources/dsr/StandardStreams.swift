import ArgumentParser
import DSRCore
import Foundation

/// `-` for a file on the command line: standard input where a command reads a file,
/// standard output where it writes one (`--out -`).
enum StandardStream {
    static let name = "-"

    /// Whether a path names the standard stream.
    static func isStandard(_ path: String?) -> Bool { path == name }
}

/// How a file read from standard input is to be read: dsr tells formats by file extension.
struct InputFormatOption: ParsableArguments {
    @Option(name: .customLong("stdin-format"),
            help: ArgumentHelp("The format of a file given as - (standard input): json, yaml, xml or csv.", valueName: "format"))
    var format: InputFormat = .yaml

    enum InputFormat: String, CaseIterable, ExpressibleByArgument {
        case json, yaml, xml, csv
    }

    /// Runs `body` with the file `path` names: the file itself, or for `-` standard input
    /// copied into a private temporary file named for the format, removed afterwards.
    func withFile<T>(_ path: String, _ body: (URL) throws -> T) throws -> T {
        guard StandardStream.isStandard(path) else { return try body(URL(fileURLWithPath: path)) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsr-stdin-\(UUID().uuidString)", isDirectory: true)
        try DurableFile.createFolder(folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("stdin.\(format.rawValue)")
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard FileManager.default.createFile(atPath: file.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw DSRError(.cannotCreate, "\(folder.path): cannot hold standard input")
        }
        return try body(file)
    }
}
