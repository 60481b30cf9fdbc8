import DSRCore
/// Writes a request's receipt (`receipt.json`, `receipt.xml`) and publishes its folder.
/// Receipts are small, but go through the same streaming writers and staging as answers.
enum ReceiptWriter {
    static let fileStem = "receipt"
    static let xmlNamespace = "urn:dsr:receipt:1"

    /// Writes the receipt's files into a staging folder, to be published with its batch.
    static func stage(_ receipt: Receipt, header: AnswerHeader, formats: [OutputFormat], outbox: Outbox) throws -> ClosedFolder {
        let folder = try StagedFolder(requestID: header.requestID, outbox: outbox)
        let statement = header.subjectFound
            ? "This receipt lists, table by table, what \(header.controllerName) did with your personal data for your \(header.requestType.rawValue) request."
            : "\(header.controllerName) holds no personal data about you matching the identities in your request; nothing was changed."
        for format in formats {
            let output = try folder.create("\(fileStem).\(format.rawValue)")
            switch format {
            case .json: try writeJSON(receipt, header: header, statement: statement, to: output)
            case .xml: try writeXML(receipt, header: header, statement: statement, to: output)
            }
            try output.close(syncing: false)
        }
        return folder.closed()
    }

    private static func writeJSON(_ receipt: Receipt, header: AnswerHeader, statement: String, to output: FileOutput) throws {
        let json = JSONStreamWriter(output: output)
        try json.beginObject()
        try json.field("document", "dsr.receipt")
        try json.key("schema_version")
        try json.integer(1)
        try header.write(to: json, statement: statement)
        try receipt.writeTables(to: json)
        try json.endObject()
        try json.finish()
    }

    private static func writeXML(_ receipt: Receipt, header: AnswerHeader, statement: String, to output: FileOutput) throws {
        let xml = try XMLStreamWriter(output: output)
        try xml.startRoot("receipt", namespace: xmlNamespace)
        try xml.attribute("schemaVersion", "1")
        try header.write(to: xml, statement: statement)
        try xml.startElement("tables")
        for table in receipt.tables {
            try xml.startElement("table")
            try xml.attribute("name", table.table)
            try xml.attribute("rowsDeleted", String(table.rowsDeleted))
            try xml.attribute("rowsChanged", String(table.rowsChanged))
            try xml.attribute("rowsUnchanged", String(table.rowsUnchanged))
            try xml.startElement("columns")
            for column in table.columns {
                try xml.startElement("column")
                try xml.attribute("name", column.name)
                try xml.attribute("action", column.action.rawValue)
                try xml.endElement()
            }
            try xml.endElement()
            try xml.startElement("held")
            for hold in table.held {
                try xml.startElement("hold")
                try xml.attribute("basis", hold.basis)
                try xml.attribute("lastDayHeld", hold.lastDayHeld.description)
                try xml.attribute("rows", String(hold.rows))
                try xml.endElement()
            }
            try xml.endElement()
            try xml.endElement()
        }
        try xml.endElement()
        try xml.endElement()
        try xml.finish()
    }
}
