import DSRCore
import Foundation

/// What every answer document says before the data: which request, whose controller,
/// whether anything was found.
public struct AnswerHeader: Sendable {
    public var requestID: String
    /// The same person's requests of the same type from the same night that this answer
    /// answers too (one answer, every reference told).
    public var alsoAnswers: [String] = []
    public var requestType: RequestType
    public var receivedAt: Date
    public var dueDate: String
    public var generatedAt: Date
    public var controllerName: String
    public var dpoContact: String
    /// False for the "no personal data held" answer.
    public var subjectFound: Bool
    public var facts: DataMap.AccessFacts

    /// A plain-language sentence for the reader.
    var statement: String {
        subjectFound
            ? "This document lists the personal data \(controllerName) holds about you."
            : "\(controllerName) holds no personal data about you matching the identities in your request."
    }
}

extension AnswerHeader {
    /// The header of a document answering a ledger request.
    init(for record: LedgerRequest, controller: Configuration.Controller, facts: DataMap.AccessFacts,
         subjectFound: Bool, generatedAt: Date) {
        self.init(requestID: record.id, requestType: record.type, receivedAt: record.receivedAt, dueDate: record.dueDate,
                  generatedAt: generatedAt, controllerName: controller.name, dpoContact: controller.dpoContact,
                  subjectFound: subjectFound, facts: facts)
    }
}
