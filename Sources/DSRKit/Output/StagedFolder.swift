import Foundation

/// A request's output folder while it is being written: files are created in
/// `outbox/.staging/<id>/`; `publish()` adds the manifest and renames the folder into
/// place whole.
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
        let output = try FileOutput(creating: folder.appendingPathComponent(name))
        outputs.append(output)
        return output
    }

    func publish() throws {
        let entries = outputs.map { output in
            Manifest.Entry(name: output.url.lastPathComponent, sha256: output.sha256!, bytes: output.byteCount)
        }
        let manifest = try FileOutput(creating: folder.appendingPathComponent(Manifest.fileName))
        try manifest.write(try Manifest(requestID: requestID, files: entries).encoded())
        try manifest.close()
        try outbox.publish(folder, requestID: requestID)
    }
}
