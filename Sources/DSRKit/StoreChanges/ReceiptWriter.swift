import DSRCore

/// Writes a request's receipt (`receipt.json`, `receipt.xml`) and publishes its folder.
/// Receipts are small, but go through the same document writers and staging as answers.
enum ReceiptWriter {
    static let fileStem = "receipt"
    static let document = DocumentKind(jsonName: "dsr.receipt", xmlRoot: "receipt", xmlNamespace: "urn:dsr:receipt:1")

    /// Writes the receipt's files and its letter into a staging folder, to be published
    /// with its batch.
    static func stage(_ receipt: Receipt, header: AnswerHeader, formats: [OutputFormat], outbox: Outbox,
                      letter: LetterWriter, map: DataMap) throws -> ClosedFolder {
        let folder = try StagedFolder(requestID: header.requestID, outbox: outbox)
        let statement = header.subjectFound
            ? "This receipt lists, table by table, what \(header.controllerName) did with your personal data for your \(header.requestType.rawValue) request."
            : "\(header.controllerName) holds no personal data about you matching the identities in your request; nothing was changed."
        for format in formats {
            let output = try folder.create("\(fileStem).\(format.rawValue)")
            let writer: DocumentWriter = switch format {
            case .json: JSONDocumentWriter(output: output)
            case .xml: try XMLDocumentWriter(output: output)
            }
            try writer.beginDocument(document)
            try header.describe(to: writer, statement: statement)
            try receipt.describe(to: writer)
            try writer.endDocument()
            try output.close(syncing: false)
        }
        try letter.write(letter.body(of: receipt, map: map), phrases: letter.templates.phraseBook(letter.heading.language),
                         into: folder)
        return folder.closed()
    }
}
