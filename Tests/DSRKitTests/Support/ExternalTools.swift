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

    /// Starts the built `dsr` on a configuration's nightly job, its output discarded.
    static func startNight(_ configuration: URL) throws -> Process {
        let process = Process()
        process.executableURL = dsrBinary
        process.arguments = ["run", "nightly", "--config", configuration.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Starts the nightly job `runs` times, one after the other, each killed (SIGKILL) after
    /// a random number of microseconds `within` the range if it is still running; returns
    /// how many were killed.
    static func killedNights(_ configuration: URL, runs: Int, generator: inout SplitMix, within delays: Range<UInt64>) throws -> Int {
        var killed = 0
        for _ in 0..<runs {
            let process = try startNight(configuration)
            usleep(UInt32(delays.lowerBound + UInt64(generator.next()) % UInt64(delays.count)))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killed += 1
            }
            process.waitUntilExit()
        }
        return killed
    }

    /// Runs the built `dsr` with `arguments`.
    static func dsr(_ arguments: [String], in folder: URL? = nil) throws -> Output {
        try run(dsrBinary, arguments, in: folder)
    }

    /// An HTML page as a real HTML5 parser (Python's html5lib, the WHATWG algorithm) reads
    /// it: its parse errors, language, title, text, tables and any external resource.
    struct ParsedHTML: Decodable {
        var errors: [String]
        var lang: String?
        var title: String
        /// The text of the body, whitespace collapsed.
        var text: String
        var tables: [Table]
        /// `src`/`href` of scripts, images, stylesheets, frames: a letter must have none.
        var resources: [String]
        /// Element names in the document, to tell text from markup (`<script>` as text is no element).
        var elements: [String]

        struct Table: Decodable {
            var caption: String
            var headers: [String]
            var rows: [[String]]
        }
    }

    static func parseHTML(_ file: URL) throws -> ParsedHTML {
        let script = #"""
            import json, sys, html5lib
            parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
            doc = parser.parse(open(sys.argv[1], "rb"), transport_encoding="utf-8")
            def text(node): return " ".join("".join(node.itertext()).split())
            tables = []
            for table in doc.iter("table"):
                caption = table.find("caption")
                tables.append({"caption": text(caption) if caption is not None else "",
                               "headers": [text(th) for th in table.iter("th")],
                               "rows": [[text(td) for td in tr.findall("td")] for tr in table.iter("tr") if tr.findall("td")]})
            resources = [e.get(a) for e in doc.iter() for a in ("src", "href") if e.get(a)]
            title = doc.find("head/title")
            print(json.dumps({"errors": [str(e[0]) + " " + str(e[1]) for e in parser.errors], "lang": doc.get("lang"),
                              "title": text(title) if title is not None else "", "text": text(doc.find("body")),
                              "tables": tables, "resources": resources, "elements": sorted({e.tag for e in doc.iter() if isinstance(e.tag, str)})}))
            """#
        let output = try run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, file.path])
        guard output.status == 0 else { throw DSRError(.software, "html5lib did not run: \(output.stderr)") }
        return try JSONDecoder().decode(ParsedHTML.self, from: Data(output.stdout.utf8))
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
