import ArgumentParser
import DSRCore
import DSRKit
import Foundation

struct BreachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breach",
        abstract: "The breach register (Art. 33(5)), the 72-hour clock, the notification to the authority and the letters to the people.",
        subcommands: [Open.self, Update.self, List.self, Show.self, Assess.self, Report.self, Submitted.self, Notify.self])

    /// The breach a subcommand works on.
    struct BreachID: ParsableArguments {
        @Argument(help: "The breach's id, as its file gave it.") var id: String
    }

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Registers a breach from a breach file (JSON or YAML) and measures its scope on the store.")
        @Argument(help: "The breach file, or - for standard input.") var file: String
        @OptionGroup var input: InputFormatOption
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let installation = try options.installation()
                let record = try input.withFile(file) { try installation.breachRegister().open($0, now: Date()) }
                output.print(record, zone: installation.configuration.controller.timeZone)
                return .success
            }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Records later facts: a breach file holding only the fields that changed becomes the next version.")
        @OptionGroup var breach: BreachID
        @Argument(help: "The file of changed facts, or - for standard input.") var file: String
        @OptionGroup var input: InputFormatOption
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let installation = try options.installation()
                let record = try input.withFile(file) { try installation.breachRegister().update(breach.id, with: $0, now: Date()) }
                output.print(record, zone: installation.configuration.controller.timeZone)
                return .success
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists every breach of the register, notified or not.")
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let installation = try options.installation()
                let records = try installation.ledger().breaches()
                let zone = installation.configuration.controller.timeZone
                let now = Date()
                output.print(text: records.isEmpty ? "no breaches registered" : records.map { $0.line(now: now, zone: zone) }.joined(separator: "\n"),
                             json: ReportJSON.text(["breaches": records.map { BreachStatusReport(record: $0, now: now, zone: zone) }], snakeCase: true))
                return .success
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows one breach: facts, clock, numbers, risk, reports and letters.")
        @OptionGroup var breach: BreachID
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let installation = try options.installation()
                let record = try installation.ledger().breach(breach.id)
                output.print(record, zone: installation.configuration.controller.timeZone)
                return .success
            }
        }
    }

    struct Assess: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Records the DPO's risk level: confirms dsr's proposal, or overrides it with a reason.")
        @OptionGroup var breach: BreachID
        @Option(help: ArgumentHelp("The risk: \(RiskLevel.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "level"))
        var risk: RiskLevel
        @Option(help: "Why; required when overriding the proposal.") var reason: String?
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                try options.installation().breachRegister().assess(breach.id, risk: risk, reason: reason, now: Date())
                output.print(text: "breach \(breach.id) assessed: \(risk.rawValue)", ["breach": breach.id, "risk": risk.rawValue])
                return .success
            }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes the notification to the supervisory authority (Art. 33(3)) for a phase, as JSON or XML.")
        @OptionGroup var breach: BreachID
        @Option(help: ArgumentHelp("initial, follow-up or final.", valueName: "phase")) var phase: BreachReportPhase
        @Option(help: ArgumentHelp("json or xml.", valueName: "format")) var format: OutputFormat
        @Option(help: ArgumentHelp("Where to write it (- for standard output); else outbox/breaches/<id>/notification-<phase>.<format>.",
                                   valueName: "file"))
        var out: String?
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let register = try options.installation().breachRegister()
                guard StandardStream.isStandard(out) else {
                    let written = try register.report(breach.id, phase: phase, format: format, to: out.map { URL(fileURLWithPath: $0) }, now: Date())
                    output.print(text: written.path, ["breach": breach.id, "phase": phase.rawValue, "file": written.path])
                    return .success
                }
                // Written where the register records it, then copied to standard output.
                let written = try register.report(breach.id, phase: phase, format: format, to: nil, now: Date())
                FileHandle.standardOutput.write(try Data(contentsOf: written))
                return .success
            }
        }
    }

    struct Submitted: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Records that the supervisory authority received a phase's notification: only this stops the 72-hour clock.",
            discussion: """
                Writing a notification (`breach report`) makes a draft. When the authority has it (the portal's \
                receipt, the e-mail's delivery), record the time it was received; an initial notification \
                received after the 72 hours needs reasons_for_delay in the breach's facts (exit 65 without). \
                A phase is received once; later facts go in a follow-up.
                """)
        @OptionGroup var breach: BreachID
        @Option(help: ArgumentHelp("initial, follow-up or final.", valueName: "phase")) var phase: BreachReportPhase
        @Option(help: ArgumentHelp("When the authority received it, ISO 8601 with its UTC offset.", valueName: "time")) var at: Instant
        @Option(help: ArgumentHelp("How it was sent, e.g. the authority's web form or e-mail.", valueName: "text")) var channel: String?
        @Option(help: ArgumentHelp("The authority's case reference, carried in every later notification.", valueName: "case")) var reference: String?
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let installation = try options.installation()
                let record = try installation.breachRegister().submitted(breach.id, phase: phase, at: at.date,
                                                                          channel: channel, reference: reference, now: Date())
                output.print(record, zone: installation.configuration.controller.timeZone)
                return .success
            }
        }
    }

    struct Notify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes the Art. 34 letters to the affected people (JSON Lines and CSV), or records an Art. 34(3) exception.")
        @OptionGroup var breach: BreachID
        @Option(help: ArgumentHelp("An Art. 34(3) exception instead of letters: encrypted, risk-no-longer-likely, disproportionate-effort (writes a public notice).",
                                   valueName: "exception"))
        var exception: BreachCommunication?
        @Option(help: "Why the exception applies.") var reason: String?
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                switch try options.installation().breachRegister().notify(breach.id, exception: exception, reason: reason, now: Date()) {
                case .letters(let count, let folder):
                    output.print(text: "\(count) letters in \(folder.path)", Notified(breach: breach.id, letters: count, folder: folder.path))
                case .exception(let kind, let notice):
                    output.print(text: "exception recorded: \(kind.rawValue)" + (notice.map { "; public notice \($0.path)" } ?? ""),
                                 Notified(breach: breach.id, exception: kind.rawValue, publicNotice: notice?.path))
                }
                return .success
            }
        }
    }
}

/// What `breach notify --json` prints: the letters written, or the exception recorded.
private struct Notified: Encodable {
    var breach: String
    var letters: Int?
    var folder: String?
    var exception: String?
    var publicNotice: String?

    enum CodingKeys: String, CodingKey {
        case breach, letters, folder, exception, publicNotice = "public_notice"
    }
}

extension OutputOptions {
    /// Prints one breach of the register, whole.
    func print(_ record: BreachRecord, zone: TimeZone) {
        let now = Date()
        print(text: record.details(now: now, zone: zone), json: ReportJSON.text(BreachStatusReport(record: record, now: now, zone: zone), snakeCase: true))
    }
}

extension RiskLevel: ExpressibleByArgument {}
extension BreachReportPhase: ExpressibleByArgument {}
extension BreachCommunication: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}
