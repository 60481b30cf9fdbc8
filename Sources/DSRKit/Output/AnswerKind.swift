import DSRCore
/// The documents dsr answers requests with.
public enum AnswerKind: String, Sendable, CaseIterable {
    /// Art. 15: every mapped column, with the facts about the processing.
    case accessReport = "access-report"
    /// Art. 20: only the data the subject provided.
    case portabilityExport = "portability-export"

    public init(for type: RequestType) {
        self = type == .export ? .portabilityExport : .accessReport
    }

    /// The columns of a table this document shows: for access, the references too.
    public func columns(of table: MappedTable) -> [MappedColumn] {
        switch self {
        case .accessReport: return table.columns + table.unlistedReferenceColumns
        case .portabilityExport: return table.columns.filter(\.provided)
        }
    }

    /// Whether the document carries the Art. 15 facts about the processing.
    var includesProcessingFacts: Bool { self == .accessReport }

    /// The name of the document's file without extension, and of its schemas.
    public var fileStem: String { rawValue }

    /// The document's names in JSON and XML.
    var document: DocumentKind {
        switch self {
        case .accessReport:
            return DocumentKind(jsonName: "dsr.access-report", xmlRoot: "accessReport", xmlNamespace: "urn:dsr:access-report:1")
        case .portabilityExport:
            return DocumentKind(jsonName: "dsr.portability-export", xmlRoot: "portabilityExport",
                                xmlNamespace: "urn:dsr:portability-export:1")
        }
    }
}
