import DSRCore
import Foundation

/// The answer to one request, in every format it asked for, being written into its staging
/// folder, which is published with its batch once the answer is finished.
final class AnswerWriter {
    let kind: AnswerKind
    private let folder: StagedFolder
    private let formats: [AnswerFormatWriter]

    /// - Parameter fragments: table descriptions rendered once for all the answers of a batch.
    init(header: AnswerHeader, kind: AnswerKind, formats: [OutputFormat], outbox: Outbox, fragments: JSONFragmentCache) throws {
        self.kind = kind
        folder = try StagedFolder(requestID: header.requestID, outbox: outbox)
        var writers: [AnswerFormatWriter] = []
        for format in formats {
            let output = try folder.create("\(kind.fileStem).\(format.rawValue)")
            switch format {
            case .json: writers.append(JSONAnswerWriter(kind: kind, output: output, fragments: fragments))
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

    /// Finishes and closes every document, and returns the folder to publish with its batch.
    func finish() throws -> ClosedFolder {
        for writer in formats {
            try writer.finish()
            try writer.output.close(syncing: false)
        }
        return folder.closed()
    }
}
