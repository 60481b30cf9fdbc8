import DSRCore
import Foundation

/// A request's output folder while it is being written: files are created in
/// `outbox/.staging/<id>/`; once they are closed, its `ClosedFolder` adds the manifest and,
/// after a durability barrier for the whole batch, renames the folder into place whole.
final class StagedFolder {
    let requestID: String
    private let outbox: Outbox
    private let folder: URL
    private var outputs: [FileOutput] = []

    init(requestID: String, outbox: Outbox) throws {
        self.requestID = requestID
        self.outbox = outbox
        folder = try outbox.stagingFolder(for: requestID)
    }

    /// A new file in the folder; it must be closed before `closed()`.
    func create(_ name: String) throws -> FileOutput {
        let output = try FileOutput(creating: folder.appendingPathComponent(name, isDirectory: false))
        outputs.append(output)
        return output
    }

    /// The folder once every file in it is written and closed: what is left (manifest,
    /// durability, the move into place) can be done on another thread.
    func closed() -> ClosedFolder {
        ClosedFolder(requestID: requestID, outbox: outbox, folder: folder, files: outputs.map { output in
            Manifest.Entry(name: output.url.lastPathComponent, sha256: output.sha256!, bytes: output.byteCount)
        })
    }
}

/// A staged folder whose files are written and closed, waiting to be sealed with its
/// manifest and published with its batch.
struct ClosedFolder: Sendable {
    let requestID: String
    let outbox: Outbox
    let folder: URL
    let files: [Manifest.Entry]

    /// Writes the manifest of the files. Nothing is synced yet.
    func seal() throws {
        let manifest = try FileOutput(creating: folder.appendingPathComponent(Manifest.fileName, isDirectory: false))
        try Manifest(requestID: requestID, files: files).write(to: manifest)
        try manifest.close(syncing: false)
    }

    /// Renames the sealed folder into place; call after `DurableFile.barrier(for:)`, and sync
    /// the outbox folder once after the batch's moves.
    func moveIntoPlace() throws {
        try outbox.publish(folder, requestID: requestID)
    }

    /// Seals, makes durable and moves folders into place as one batch: one barrier and one
    /// folder sync for all of them. Returns the error of each folder that failed.
    static func publish(_ folders: [ClosedFolder], in outbox: Outbox) -> [String: Error] {
        var failures: [String: Error] = [:]
        var sealed: [ClosedFolder] = []
        for folder in folders {
            do { try folder.seal(); sealed.append(folder) } catch { failures[folder.requestID] = error }
        }
        guard !sealed.isEmpty else { return failures }
        DurableFile.barrier(for: outbox.root)
        for folder in sealed {
            do { try folder.moveIntoPlace() } catch { failures[folder.requestID] = error }
        }
        DurableFile.syncFolder(outbox.root)
        return failures
    }
}
