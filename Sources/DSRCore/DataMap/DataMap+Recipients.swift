extension DataMap {
    /// Reads the `recipients:` section and checks it against the tables: every table names
    /// declared recipients only, and a recipient is told only what it received (its identity
    /// is a column it got, its `columns` are columns of tables naming it).
    func parseRecipients(_ node: DocumentNode, tablesNode: DocumentNode) throws(InputProblem) -> [Recipient] {
        var recipients: [Recipient] = []
        for (id, recipientNode) in try node.entries() {
            recipients.append(try parseRecipient(id: id, node: recipientNode))
        }
        for table in tables {
            for entry in table.recipients where !recipients.contains(where: { $0.id == entry }) {
                throw InputProblem(SourceLocation(file: tablesNode.file, field: "tables.\(table.name).recipients"),
                                   "'\(entry)' is not a recipient declared under recipients: (tables name recipients by id)")
            }
        }
        return recipients
    }

    private func parseRecipient(id: String, node: DocumentNode) throws(InputProblem) -> Recipient {
        guard id.utf8.first.map({ Self.isIDCharacter($0) && $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: ".") }) == true,
              id.utf8.allSatisfy(Self.isIDCharacter) else {
            throw node.problem("a recipient id is lower-case letters, digits, '-', '_' and '.', starting with a letter or digit (it names the notice folder)")
        }
        let fields = try node.fields()
        let name = try fields.required("name").nonEmptyString()
        let contact = try fields.required("contact").nonEmptyString()
        let notifyNode = try fields.required("notify")
        var notify: Set<Recipient.Notice> = []
        for kind in try notifyNode.stringList() {
            guard let notice = Recipient.Notice(rawValue: kind) else {
                throw notifyNode.problem("'\(kind)' is not a change Art. 19 communicates; expected \(Recipient.Notice.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            notify.insert(notice)
        }
        let formatNode = try fields.required("format")
        guard let format = Recipient.NoticeFormat(rawValue: try formatNode.nonEmptyString()) else {
            throw formatNode.problem("unknown notice format; expected one of \(Recipient.NoticeFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if format == .opendsr, let other = notify.subtracting([.erasure]).min() {
            throw notifyNode.problem("OpenDSR 2.0 has no \(other.rawValue) request: tell this recipient of it in json or csv, or leave it out of notify")
        }
        let disclosed = tables.filter { $0.recipients.contains(id) }
        guard !disclosed.isEmpty else { throw node.problem("no table names this recipient: it received nothing to be told about") }
        var columns: [String: Set<String>] = [:]
        if let columnsNode = fields.optional("columns") {
            for entry in try columnsNode.stringList() {
                guard let qualified = QualifiedColumn(entry), let table = disclosed.first(where: { $0.name == qualified.table }) else {
                    throw columnsNode.problem("'\(entry)' is not table.column of a table that names this recipient")
                }
                guard table.column(named: qualified.column) != nil else { throw columnsNode.problem("'\(entry)' is not a mapped column") }
                columns[table.name, default: []].insert(qualified.column)
            }
        }
        let identityNode = try fields.required("identity")
        let identityName = try identityNode.nonEmptyString()
        guard let identity = identities[identityName] else {
            throw identityNode.problem("'\(identityName)' is not an identity of the data map; expected one of \(identities.keys.sorted().joined(separator: ", "))")
        }
        let recipient = Recipient(id: id, name: name, contact: contact, notify: notify, identity: identityName, format: format,
                                  columns: columns)
        // A table in another store linked by the identity holds it too: a newsletter service
        // knows its subscribers by the address it was given there.
        let receivedOnLink = disclosed.contains { table in
            guard case .identity(identityName, let column)? = table.link else { return false }
            return recipient.received(column, of: table.name)
        }
        guard receivedOnLink || disclosed.contains(where: { $0.name == identity.table }) && recipient.received(identity.column, of: identity.table) else {
            throw identityNode.problem("the recipient did not receive '\(identity.table).\(identity.column)': a notice may not disclose it")
        }
        if format == .opendsr, identity.normalization == .phone {
            throw identityNode.problem("OpenDSR 2.0 has no phone identity: name an email identity or the customer's own id")
        }
        try fields.finish()
        return recipient
    }

    private static func isIDCharacter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }
}
