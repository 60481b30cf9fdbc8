import DSRCore
import Foundation

/// A job: the steps of a run. They always go in the same order: intake, process, sweep,
/// ledger retention, deadlines, status page; consent hygiene runs beside intake, its count
/// beside process and sweep when the store allows.
public struct Job: Sendable, Equatable {
    public var name: String
    public var steps: Set<Step>

    public enum Step: String, Sendable, CaseIterable {
        /// Take the inbox's request files.
        case intake
        /// Answer and carry out verified requests.
        case process
        /// Erase held rows whose hold has ended.
        case sweep
        /// Expire consents past their stated duration; count ended soft opt-ins.
        case consentHygiene = "consent-hygiene"
        /// Delete the details of requests closed longer ago than `ledger_retention` says.
        case ledgerRetention = "ledger-retention"
        /// Report what is overdue or due soon (and make the run exit 1 when overdue).
        case deadlines
        /// Write the officer's status page (`status_page:`) once the run is recorded.
        case statusPage = "status-page"
    }

    /// The jobs dsr knows by name; `jobs/nightly.yaml` and `jobs/hourly.yaml` say the same.
    public static let builtIn: [String: Job] = [
        "nightly": Job(name: "nightly", steps: [.intake, .process, .sweep, .consentHygiene, .ledgerRetention, .deadlines, .statusPage]),
        "hourly": Job(name: "hourly", steps: [.intake, .deadlines, .statusPage]),
    ]

    /// The job named `name`: a `.yaml` path, else `jobs/<name>.yaml` beside the
    /// configuration, else a built-in one. Problems are configuration errors (78).
    public static func resolve(_ name: String, configuration: Configuration) throws -> Job {
        let file: URL
        if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            file = URL(fileURLWithPath: name)
            guard FileManager.default.fileExists(atPath: file.path) else { throw DSRError.missingInput("\(name): job file not found") }
        } else {
            file = configuration.fileURL.deletingLastPathComponent().appendingPathComponent("jobs/\(name).yaml")
            if !FileManager.default.fileExists(atPath: file.path) {
                guard let job = builtIn[name] else {
                    throw DSRError(.usage, "unknown job '\(name)'; built in are \(builtIn.keys.sorted().joined(separator: ", ")), or give a job file")
                }
                return job
            }
        }
        do {
            return try parse(try DocumentNode.load(contentsOf: file), name: file.deletingPathExtension().lastPathComponent)
        } catch let problem as InputProblem {
            throw DSRError.configuration(problem.description)
        }
    }

    static func parse(_ root: DocumentNode, name: String) throws(InputProblem) -> Job {
        let fields = try root.fields()
        var steps: Set<Step> = []
        for node in try fields.required("steps").list() {
            guard let step = Step(rawValue: try node.nonEmptyString()) else {
                throw node.problem("unknown step; expected \(Step.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            steps.insert(step)
        }
        try fields.finish()
        return Job(name: name, steps: steps)
    }
}
