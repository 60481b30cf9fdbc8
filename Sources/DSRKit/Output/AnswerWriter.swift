import DSRCore
import Foundation

/// The answer to one request, in every format it asked for, being written into its staging
/// folder, which is published with its batch once the answer is finished. The document is
/// described once, here, and each format's writer renders it.
final class AnswerWriter {
    let kind: AnswerKind
    private let folder: StagedFolder
    private let documents: [DocumentWriter]
    private let header: AnswerHeader
    /// The letter to the person, gathered from the same rows.
    private let letter: TableLetterDraft

    /// - Parameter fragments: table descriptions rendered once for all the answers of a batch.
    /// - Parameter letter: who the letter is to, in which language, from which templates.
    /// - Parameter countryColumn: the subject table's column of the person's country, for
    ///   the authority the letter names beside the lead one.
    init(header: AnswerHeader, kind: AnswerKind, formats: [OutputFormat], outbox: Outbox, fragments: JSONFragmentCache,
         letter: LetterWriter, countryColumn: QualifiedColumn? = nil) throws {
        self.kind = kind
        self.header = header
        self.letter = TableLetterDraft(letter, countryColumn: countryColumn)
        let folder = try StagedFolder(requestID: header.requestID, outbox: outbox)
        self.folder = folder
        documents = try formats.map { format -> DocumentWriter in
            let output = try folder.create("\(kind.fileStem).\(format.rawValue)")
            switch format {
            case .json: return JSONDocumentWriter(output: output, fragments: fragments)
            case .xml: return try XMLDocumentWriter(output: output)
            }
        }
        for document in documents { try begin(document, header: header) }
    }

    private func begin(_ document: DocumentWriter, header: AnswerHeader) throws {
        try document.beginDocument(kind.document)
        try header.describe(to: document, statement: header.statement)
        if kind.includesProcessingFacts {
            try document.beginGroup(.processing)
            try document.field(.rights, header.facts.rights.text(language))
            try document.field(.complaint, header.facts.complaint.text(language))
            try document.field(.automatedDecisions, header.facts.automatedDecisions.text(language))
            try document.endGroup()
        }
        try document.beginList(.tables)
    }

    /// - Parameter store: the name of the table's store, for an answer spanning several.
    func beginTable(_ table: MappedTable, store: String?, columns: [MappedColumn]) throws {
        for document in documents {
            try document.beginItem("table")
            try document.cached(kind.rawValue + " " + language.rawValue + " " + table.name) { document in try describe(table, store: store, columns: columns, to: document) }
            try document.beginList(.rows)
        }
    }

    /// The table's description: the same in every answer of its kind.
    private func describe(_ table: MappedTable, store: String?, columns: [MappedColumn], to document: DocumentWriter) throws {
        try document.property(.table, table.name)
        if let store { try document.property(.store, store) }
        try document.field(.description, table.description.text(language))
        if kind.includesProcessingFacts {
            try document.field(.purposes, table.purposes.map { $0.text(language) }, item: "purpose")
            try document.field(.legalBasis, table.legalBasis.text(language))
            try document.field(.categories, table.categories.map(\.rawValue), item: "category")
            try document.field(.recipients, table.recipientNames, item: "recipient")
            try document.field(.retention, table.retention.text(language))
            try document.field(.source, table.source?.text(language) ?? Self.sourceSubject)
            try document.field(.transfers, table.transfers.map { $0.text(language) }, item: "transfer")
        }
        try document.beginList(.columns)
        for column in columns {
            try document.beginItem("column")
            try document.property(.name, column.name)
            try document.property(.category, column.category.rawValue)
            try document.property(.provided, column.provided)
            // Amounts are kept as stored; what they are in is said here, once per column.
            if case .money(let money)? = column.format {
                if let currency = money.currency { try document.property(.currency, currency) }
                if let currencyColumn = money.currencyColumn { try document.property(.currencyColumn, currencyColumn) }
                try document.property(.minorUnits, money.minorUnits)
            }
            try document.endItem()
        }
        try document.endList()
    }

    /// The language the map's texts are given in: the letter's, so the files and the
    /// letter say the same.
    private var language: Language { letter.writer.heading.language }

    /// Where data came from when the map names no other source.
    static let sourceSubject = "the data subject"

    func row(_ values: [StoreValue], columns: [MappedColumn]) throws {
        for document in documents { try document.row(values, columns: columns) }
        letter.row(values, columns: columns)
    }

    func endTable(_ table: MappedTable, columns: [MappedColumn]) throws {
        for document in documents {
            try document.endList()
            try document.endItem()
        }
        letter.endTable(table, columns: columns)
    }

    /// Finishes and closes every document, and returns the folder to publish with its batch.
    func finish() throws -> ClosedFolder {
        for document in documents {
            try document.endList()
            try document.endDocument()
            try document.output.close(syncing: false)
        }
        try letter.writer.write(letter.body(files: documents.map { $0.output.url.lastPathComponent }, facts: header.facts),
                                phrases: letter.phrases, into: folder)
        return folder.closed()
    }
}
