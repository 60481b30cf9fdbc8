import Foundation

/// The answer to one request, in every format it asked for, being written into its staging
/// folder. `publish()` adds the manifest and moves the folder into place.
final class AnswerWriter {
    let requestID: String
    let kind: AnswerKind
    private let outbox: Outbox
    private let staging: URL
    private let formats: [AnswerFormatWriter]

    init(header: AnswerHeader, kind: AnswerKind, formats: [OutputFormat], outbox: Outbox) throws {
        requestID = header.requestID
        self.kind = kind
        self.outbox = outbox
        staging = try outbox.stagingFolder(for: header.requestID)
        var writers: [AnswerFormatWriter] = []
        for format in formats {
            let output = try FileOutput(creating: staging.appendingPathComponent("\(kind.fileStem).\(format.rawValue)"))
            switch format {
            case .json: writers.append(JSONAnswerWriter(kind: kind, output: output))
            case .xml: writers.append(try XMLAnswerWriter(kind: kind, output: output))
            }
        }
        self.formats = writers
        for writer in writers { try writer.begin(header) }
    }

    func beginTable(_ table: MappedTable, columns: [MappedColumn]) throws {
        for writer in formats { try writer.beginTable(table, columns: columns) }
    }

    func row(_ values: [StoreValue], columns: [MappedColumn]) throws {
        for writer in formats { try writer.row(values, columns: columns) }
    }

    func endTable() throws {
        for writer in formats { try writer.endTable() }
    }

    /// Finishes every document, writes the manifest and renames the folder into place.
    func publish() throws {
        var entries: [Manifest.Entry] = []
        for writer in formats {
            try writer.finish()
            let sha256 = try writer.output.close()
            entries.append(Manifest.Entry(name: writer.output.url.lastPathComponent, sha256: sha256,
                                          bytes: writer.output.byteCount))
        }
        let manifest = try FileOutput(creating: staging.appendingPathComponent(Manifest.fileName))
        try manifest.write(try Manifest(requestID: requestID, files: entries).encoded())
        try manifest.close()
        try outbox.publish(staging, requestID: requestID)
    }
}
