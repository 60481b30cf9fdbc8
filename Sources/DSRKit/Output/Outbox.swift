import DSRCore
import Foundation

/// The folder of answers: `outbox/<request-id>/` per request (0700, files 0600).
///
/// Answers are written in `outbox/.staging/<request-id>/` and renamed into place whole, so
/// a request folder either holds a complete, manifest-checked answer or does not exist.
public struct Outbox: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    /// The final folder of a request's answer.
    public func folder(for requestID: String) -> URL {
        root.appendingPathComponent(requestID, isDirectory: true)
    }

    /// Whether a complete answer is already in place (e.g. written by a run that was killed
    /// before it could mark the request completed).
    public func hasCompleteAnswer(for requestID: String) -> Bool {
        Manifest.verified(in: folder(for: requestID))?.requestID == requestID
    }

    /// A fresh, empty staging folder for a request; leftovers of an interrupted run go.
    func stagingFolder(for requestID: String) throws -> URL {
        let staging = root.appendingPathComponent(".staging", isDirectory: true)
        let folder = staging.appendingPathComponent(requestID, isDirectory: true)
        // One system call in the common case; the rest only when `.staging` is not there
        // yet or an interrupted run left the request's folder.
        if mkdir(folder.path, 0o700) == 0 { return folder }
        try DurableFile.createFolder(staging)
        if FileManager.default.fileExists(atPath: folder.path) {
            try? FileManager.default.removeItem(at: folder)
        }
        try DurableFile.createFolder(folder)
        return folder
    }

    /// Moves a finished staging folder into place (the caller syncs the outbox folder).
    func publish(_ staging: URL, requestID: String) throws {
        let destination = folder(for: requestID)
        // Tried first without looking: a folder is nearly always new, and a stat per answer
        // costs more than the rare retry. An empty folder in the way is simply replaced.
        if Foundation.rename(staging.path, destination.path) == 0 { return }
        let failure = errno
        guard failure == ENOTEMPTY || failure == EEXIST || failure == ENOTDIR else {
            throw DSRError.machineFault("\(destination.path): cannot rename into place (\(String(cString: strerror(failure))))")
        }
        // An incomplete folder (or a file) from elsewhere; a complete one was caught by
        // hasCompleteAnswer before any work was done.
        let aside = root.appendingPathComponent(".replaced-\(requestID)-\(UUID().uuidString)")
        try DurableFile.rename(destination, to: aside, syncing: false)
        try DurableFile.rename(staging, to: destination, syncing: false)
    }
}
