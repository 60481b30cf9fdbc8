import DSRCore

extension Receipt {
    /// The receipt's tables and the recipients told, as `receipt.json` and `receipt.xml`
    /// show them; the ledger keeps the same members.
    func describe(to document: DocumentWriter) throws {
        try describeTables(to: document)
        if let recipientsTold { try document.field(.recipientsTold, recipientsTold, item: "recipient") }
        if let suppressed { try document.field(.suppressed, suppressed, item: "identity") }
    }

    private func describeTables(to document: DocumentWriter) throws {
        try document.beginList(.tables)
        for table in tables {
            try document.beginItem("table")
            try document.property(.table, table.table)
            if let store = table.store { try document.property(.store, store) }
            try document.property(.rowsDeleted, table.rowsDeleted)
            try document.property(.rowsChanged, table.rowsChanged)
            try document.property(.rowsUnchanged, table.rowsUnchanged)
            try document.beginList(.columns)
            for column in table.columns {
                try document.beginItem("column")
                try document.property(.name, column.name)
                try document.property(.action, column.action.rawValue)
                try document.endItem()
            }
            try document.endList()
            try document.beginList(.held)
            for hold in table.held {
                try document.beginItem("hold")
                try document.property(.basis, hold.basis)
                try document.property(.lastDayHeld, hold.lastDayHeld.description)
                try document.property(.rows, hold.rows)
                try document.endItem()
            }
            try document.endList()
            try document.beginList(.kept)
            for kept in table.kept {
                try document.beginItem("kept")
                try document.property(.rows, kept.rows)
                try document.property(.reason, kept.reason)
                try document.property(.until, kept.until)
                try document.property(.declared, kept.declared)
                try document.field(.columns, kept.columns, item: "column")
                try document.endItem()
            }
            try document.endList()
            try document.endItem()
        }
        try document.endList()
    }

    /// The receipt as the ledger keeps it: compact JSON that `JSONDecoder` reads back.
    /// Written by the stream writer: a `JSONEncoder` per receipt was most of the cost of
    /// recording an erasure night's changes.
    func ledgerJSON() throws -> String {
        let memory = FileOutput.inMemory()
        let json = JSONStreamWriter(output: memory, indented: false)
        try json.beginObject()
        try describe(to: JSONDocumentWriter(json: json, output: memory))
        try json.endObject()
        try memory.close(syncing: false)
        return String(decoding: memory.collected ?? [], as: UTF8.self)
    }
}
