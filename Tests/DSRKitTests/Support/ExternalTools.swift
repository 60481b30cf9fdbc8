import DSRCore
import Foundation

/// The built `dsr` binary and other programs the end-to-end tests run.
enum ExternalTools {
    /// The package's root folder.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `dsr` executable built beside the test bundle.
    static var dsrBinary: URL { builtProduct("dsr") }

    /// An executable product built beside the test bundle.
    static func builtProduct(_ name: String) -> URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [besideTests, besideTests.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return packageRoot.appendingPathComponent(".build/debug/\(name)")
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to its end and returns what it printed.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                    in folder: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let folder { process.currentDirectoryURL = folder }
        // Output goes to files, not pipes, so a chatty program can never block on a full pipe.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dsr-run-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: scratch.path + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: scratch.path + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: scratch.path + ".out")
            try? FileManager.default.removeItem(atPath: scratch.path + ".err")
        }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path + ".err"))
        try process.run()
        process.waitUntilExit()
        let outData = try Data(contentsOf: URL(fileURLWithPath: scratch.path + ".out"))
        let errData = try Data(contentsOf: URL(fileURLWithPath: scratch.path + ".err"))
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the built `dsr` with `arguments`.
    static func dsr(_ arguments: [String], in folder: URL? = nil) throws -> Output {
        try run(dsrBinary, arguments, in: folder)
    }

    /// Validates JSON documents against a JSON Schema (draft 2020-12) with Python's
    /// `jsonschema`, the reference implementation; returns the errors found.
    static func jsonSchemaErrors(schema: URL, documents: [URL]) throws -> [String] {
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
            for path in sys.argv[2:]:
                for error in validator.iter_errors(json.load(open(path))):
                    print(path + ": " + "/".join(map(str, error.absolute_path)) + ": " + error.message)
            """
        let output = try run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, schema.path] + documents.map(\.path))
        if output.status != 0 { return ["jsonschema did not run: \(output.stderr)"] }
        return output.stdout.split(separator: "\n").map(String.init)
    }

    /// The schema files shipped in the DSRKit bundle.
    static func schema(_ name: String) -> URL {
        packageRoot.appendingPathComponent("Sources/DSRKit/Resources/Schemas/\(name)")
    }
}
