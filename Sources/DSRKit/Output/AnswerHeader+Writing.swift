import DSRCore
extension AnswerHeader {
    /// The fields every document starts with, after its name: when, which request, whose
    /// controller, whether the person was found, and a sentence for the reader.
    func write(to json: JSONStreamWriter, statement: String) throws {
        try json.field("generated_at", Timestamp.format(generatedAt))
        try json.key("request")
        try json.beginObject()
        try json.field("id", requestID)
        try json.field("type", requestType.rawValue)
        try json.field("received_at", Timestamp.format(receivedAt))
        try json.field("due_date", dueDate)
        try json.endObject()
        try json.key("controller")
        try json.beginObject()
        try json.field("name", controllerName)
        try json.field("dpo_contact", dpoContact)
        try json.endObject()
        try json.key("subject_found")
        try json.bool(subjectFound)
        try json.field("statement", statement)
    }

    func write(to xml: XMLStreamWriter, statement: String) throws {
        try xml.element("generatedAt", Timestamp.format(generatedAt))
        try xml.startElement("request")
        try xml.attribute("id", requestID)
        try xml.attribute("type", requestType.rawValue)
        try xml.attribute("receivedAt", Timestamp.format(receivedAt))
        try xml.attribute("dueDate", dueDate)
        try xml.endElement()
        try xml.startElement("controller")
        try xml.element("name", controllerName)
        try xml.element("dpoContact", dpoContact)
        try xml.endElement()
        try xml.element("subjectFound", subjectFound ? "true" : "false")
        try xml.element("statement", statement)
    }
}
