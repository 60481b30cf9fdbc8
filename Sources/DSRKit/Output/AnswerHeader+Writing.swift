import DSRCore

extension AnswerHeader {
    /// The fields every document starts with, after its name: when, which request, whose
    /// controller, whether the person was found, and a sentence for the reader.
    func describe(to document: DocumentWriter, statement: String) throws {
        try document.field(.generatedAt, Timestamp.format(generatedAt))
        try document.beginGroup(.request)
        try document.property(.id, requestID)
        try document.property(.type, requestType.rawValue)
        try document.property(.receivedAt, Timestamp.format(receivedAt))
        try document.property(.dueDate, dueDate)
        if !alsoAnswers.isEmpty { try document.field(.alsoAnswers, alsoAnswers, item: "request") }
        try document.endGroup()
        try document.beginGroup(.controller)
        try document.field(.name, controllerName)
        try document.field(.dpoContact, dpoContact)
        try document.endGroup()
        try document.field(.subjectFound, subjectFound)
        try document.field(.statement, statement)
    }
}
