import ArgumentParser
import DSRCore
import DSRKit
import Foundation
import Logging

/// How much dsr logs; every command takes it.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "How much to log on standard error: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .notice

    @Option(name: .long, help: "How log lines look: text (on a terminal), syslog (<N> priority prefixes, for journald: the default when standard error is not a terminal), json (one object a line), or auto.")
    var logFormat: LogFormat = .auto

    /// A logger writing to standard error. Built per command rather than bootstrapped
    /// globally, so commands can run many times in one process (the tests do).
    var logger: Logger {
        let format = logFormat.resolved
        var logger = Logger(label: "dsr") { label in
            format == .text ? StreamLogHandler.standardError(label: label) as any LogHandler : LineLogHandler(format: format)
        }
        logger.logLevel = logLevel
        return logger
    }
}

/// Options every command that reads a configuration shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file; else $DSR_CONFIG, else ./dsr.yaml.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp(
        "Who acts, for the audit trail; else $DSR_ACTOR, else $SUDO_USER, else the login name. The shipped crontab and units set DSR_ACTOR=scheduler.",
        valueName: "name"))
    var actor: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        do { _ = try auditActor() } catch let error as DSRError { throw ValidationError(error.message) }
    }

    func installation() throws -> Installation {
        try Installation(configurationURL: Configuration.resolveFile(explicit: config), logger: logging.logger, actor: auditActor())
    }

    /// The name the audit trail records for this command.
    func auditActor() throws -> String { try AuditActor.resolve(explicit: actor) }
}

/// The output choice of every command: text for people, or `--json` for scripts.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON for scripts instead of text (each document carries schema_version).")
    var json = false

    /// Prints a report in the chosen form; the JSON document gains `schema_version`.
    func print(text: @autoclosure () -> String, json makeJSON: @autoclosure () -> String) {
        Swift.print(json ? Self.versioned(makeJSON()) : text())
    }

    /// Prints a small report: its text, or the value as a JSON document.
    func print<Value: Encodable>(text: @autoclosure () -> String, _ value: Value) {
        print(text: text(), json: ReportJSON.text(value))
    }

    /// A JSON document with `schema_version` added at its top (an array becomes `items`).
    static func versioned(_ json: String) -> String {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(json.utf8)) else { return json }
        var document = parsed as? [String: Any] ?? ["items": parsed]
        document["schema_version"] = ReportJSON.schemaVersion
        guard let data = try? JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return json }
        return String(decoding: data, as: UTF8.self)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Runs a command body, turning dsr's errors into their message on standard error and the
/// documented exit status.
func withExitStatus(_ body: () throws -> ExitStatus) throws {
    let status: ExitStatus
    do {
        status = try body()
    } catch let error as DSRError {
        printError("dsr: \(error.message)")
        status = error.status
    } catch let error as ExitCode {
        throw error
    } catch {
        if let fault = MachineFault.of(error) {
            printError("dsr: \(fault.message)")
            status = fault.status
        } else {
            // Nothing expected this: a defect, told apart from "something needs the officer" (1).
            printError("dsr \(CommandLine.arguments.dropFirst().first ?? ""): unexpected error (\(type(of: error))); please report it")
            status = .software
        }
    }
    if status != .success { throw ExitCode(status.rawValue) }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
