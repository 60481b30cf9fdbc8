import DSRCore
extension Receipt {
    /// `"tables": [...]` as `receipt.json` shows it; the ledger keeps the same members.
    func writeTables(to json: JSONStreamWriter) throws {
        try json.key("tables")
        try json.beginArray()
        for table in tables {
            try json.beginObject()
            try json.field("table", table.table)
            for (key, count) in [("rows_deleted", table.rowsDeleted), ("rows_changed", table.rowsChanged),
                                 ("rows_unchanged", table.rowsUnchanged)] {
                try json.key(key)
                try json.integer(Int64(count))
            }
            try json.key("columns")
            try json.beginArray()
            for column in table.columns {
                try json.beginObject()
                try json.field("name", column.name)
                try json.field("action", column.action.rawValue)
                try json.endObject()
            }
            try json.endArray()
            try json.key("held")
            try json.beginArray()
            for hold in table.held {
                try json.beginObject()
                try json.field("basis", hold.basis)
                try json.field("last_day_held", hold.lastDayHeld.description)
                try json.key("rows")
                try json.integer(Int64(hold.rows))
                try json.endObject()
            }
            try json.endArray()
            try json.endObject()
        }
        try json.endArray()
    }

    /// The receipt as the ledger keeps it: compact JSON that `JSONDecoder` reads back.
    /// Written by the stream writer: a `JSONEncoder` per receipt was most of the cost of
    /// recording an erasure night's changes.
    func ledgerJSON() throws -> String {
        let memory = FileOutput.inMemory()
        let json = JSONStreamWriter(output: memory, indented: false)
        try json.beginObject()
        try writeTables(to: json)
        try json.endObject()
        try memory.close(syncing: false)
        return String(decoding: memory.collected ?? [], as: UTF8.self)
    }
}
