import Foundation

/// A request's output folder while it is being written: files are created in
/// `outbox/.staging/<id>/`; `seal()` adds the manifest; after a durability barrier for the
/// whole batch, `moveIntoPlace()` renames the folder into place whole.
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

    /// A new file in the folder; it must be closed before `publish()`.
    func create(_ name: String) throws -> FileOutput {
        let output = try FileOutput(creating: folder.appendingPathComponent(name, isDirectory: false))
        outputs.append(output)
        return output
    }

    /// Writes the manifest of the closed files. Nothing is synced yet.
    func seal() throws {
        let entries = outputs.map { output in
            Manifest.Entry(name: output.url.lastPathComponent, sha256: output.sha256!, bytes: output.byteCount)
        }
        let manifest = try FileOutput(creating: folder.appendingPathComponent(Manifest.fileName, isDirectory: false))
        try Manifest(requestID: requestID, files: entries).write(to: manifest)
        try manifest.close(syncing: false)
    }

    /// Renames the sealed folder into place; call after `DurableFile.barrier(for:)`, and sync
    /// the outbox folder once after the batch's moves.
    func moveIntoPlace() throws {
        try outbox.publish(folder, requestID: requestID)
    }

    /// Seals, makes durable and moves folders into place as one batch: one barrier and one
    /// folder sync for all of them. Returns the error of each folder that failed.
    static func publish(_ folders: [StagedFolder], in outbox: Outbox) -> [String: Error] {
        var failures: [String: Error] = [:]
        var sealed: [StagedFolder] = []
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
