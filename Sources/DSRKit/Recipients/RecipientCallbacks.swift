import DSRCore
import Foundation
import Logging

/// OpenDSR status callbacks a recipient sent back, dropped by the officer (or a webhook
/// relay) into `inbox/recipients/`: a `completed` status acknowledges the notice whose
/// `subject_request_id` it names. Read files move to `processed/`; a file that is not a
/// callback, or names no notice, moves to `rejected/` beside its `.error.txt`.
struct RecipientCallbacks {
    static let folderName = "recipients"

    let inbox: URL
    let ledger: Ledger
    let settleSeconds: Int
    let logger: Logger

    /// What a pass over the callbacks did.
    struct Report: Sendable, Equatable {
        /// Notices a callback acknowledged.
        var acknowledged = 0
        /// Callbacks read that settled nothing (a status other than `completed`, or a
        /// notice already settled).
        var unsettled = 0
        /// Names of rejected callback files.
        var rejected: [String] = []
    }

    var folder: URL { inbox.appendingPathComponent(Self.folderName, isDirectory: true) }
    var processedFolder: URL { folder.appendingPathComponent("processed", isDirectory: true) }
    var rejectedFolder: URL { folder.appendingPathComponent("rejected", isDirectory: true) }

    func run(now: Date) throws -> Report {
        var report = Report()
        guard FileManager.default.fileExists(atPath: folder.path) else { return report }
        var intakeReport = Intake.Report()
        for file in try Intake.readyFiles(in: folder, settleSeconds: settleSeconds, report: &intakeReport) {
            do {
                let (noticeID, status) = try Self.read(file)
                guard status == "completed" else {
                    report.unsettled += 1
                    try move(file, into: processedFolder)
                    continue
                }
                guard let settled = try ledger.acknowledge(noticeID: noticeID, via: "OpenDSR callback", now: now) else {
                    throw InputProblem(SourceLocation(file: file.lastPathComponent, field: "subject_request_id"),
                                       "names no notice dsr sent")
                }
                if settled { report.acknowledged += 1 } else { report.unsettled += 1 }
                try move(file, into: processedFolder)
            } catch let problem as InputProblem {
                try Intake.writeErrorFile(for: file, problems: [problem.description], in: rejectedFolder, what: "recipient callback")
                try move(file, into: rejectedFolder)
                report.rejected.append(file.lastPathComponent)
                logger.notice("recipient callback rejected", metadata: ["file": "\(file.lastPathComponent.escapedForDisplay)"])
            }
        }
        return report
    }

    private func move(_ file: URL, into folder: URL) throws {
        try DurableFile.createFolder(folder)
        try Intake.move(file, into: folder)
    }

    /// The notice id and status an OpenDSR callback body carries (`controller_id`,
    /// `expected_completion_time` and the other fields are not needed to settle it).
    static func read(_ file: URL) throws(InputProblem) -> (noticeID: String, status: String) {
        let document: DocumentNode
        do {
            document = try DocumentNode.load(contentsOf: file)
        } catch let problem as InputProblem {
            throw problem
        } catch {
            throw InputProblem(SourceLocation(file: file.lastPathComponent), "cannot be read as JSON")
        }
        let fields = try document.fields()
        let idNode = try fields.required("subject_request_id")
        let noticeID = try idNode.nonEmptyString().lowercased()
        guard UUID(uuidString: noticeID) != nil else { throw idNode.problem("is not a UUID") }
        let statusNode = try fields.required("request_status")
        let status = try statusNode.nonEmptyString()
        guard ["pending", "in_progress", "completed", "cancelled"].contains(status) else {
            throw statusNode.problem("expected pending, in_progress, completed or cancelled")
        }
        return (noticeID, status)
    }
}
