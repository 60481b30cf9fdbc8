import DSRCore
import Foundation

/// Reads request files as intake records them: each request with the content the ledger
/// keeps and its keyed fingerprints. Intake and the dry run read the inbox through it.
struct SubmissionReader: Sendable {
    let parser: RequestFileParser
    let keyring: SubjectKeyring

    /// Reads and parses files; a symbolic link put in place of a file is not followed.
    func read(_ files: ArraySlice<URL>) -> [(URL, Result<[Ledger.Submission], RequestFileError>)] {
        files.map { file in (file, parser.read(file, followingLinks: false).flatMap { submissions($0, sourceFile: file.lastPathComponent) }) }
    }

    /// The requests with the content the ledger keeps (JSON, keys sorted) and its keyed
    /// fingerprint, which tells a harmless resubmission from a clash.
    func submissions(_ requests: [DataSubjectRequest], sourceFile: String) -> Result<[Ledger.Submission], RequestFileError> {
        do {
            return .success(try requests.map { request in
                let content = try request.ledgerContent()
                return (request, content, keyring.fingerprints(content))
            })
        } catch {
            return .failure(RequestFileError(problems: [InputProblem(SourceLocation(file: sourceFile), "cannot be recorded: \(error)")]))
        }
    }
}
