import Foundation

extension DataMap {
    /// Reads a data map file; every problem is a configuration error (78) naming file, field
    /// and line.
    public static func load(from url: URL) throws -> DataMap {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DSRError.configuration("\(url.path): data map file not found")
        }
        do {
            return try parse(try DocumentNode.load(contentsOf: url))
        } catch let problem as InputProblem {
            throw DSRError.configuration(problem.description)
        } catch let error as DSRError {
            throw DSRError.configuration(error.message)
        }
    }

    /// Builds a data map from its parsed document and checks that it holds together on its
    /// own (the live store is checked by `DataMapCheck`).
    public static func parse(_ root: DocumentNode) throws(InputProblem) -> DataMap {
        let fields = try root.fields()

        let subjectFields = try fields.required("subject").fields()
        var subject = SubjectTable(table: try subjectFields.required("table").nonEmptyString(),
                                   key: try subjectFields.required("key").nonEmptyString())
        let nameNode = subjectFields.optional("name_columns")
        let addressNode = subjectFields.optional("address_columns")
        let languageNode = subjectFields.optional("language_column")
        let countryNode = subjectFields.optional("country_column")
        try subjectFields.finish()

        let factFields = try fields.required("facts").fields()
        let facts = AccessFacts(rights: try Labels.parseText(try factFields.required("rights")),
                                complaint: try Labels.parseText(try factFields.required("complaint")),
                                automatedDecisions: try Labels.parseText(try factFields.required("automated_decisions")))
        try factFields.finish()

        var tables: [MappedTable] = []
        let tablesNode = try fields.required("tables")
        for (name, tableNode) in try tablesNode.entries() {
            tables.append(try parseTable(name: name, node: tableNode))
        }
        guard let subjectTable = tables.first(where: { $0.name == subject.table }) else {
            throw tablesNode.problem("the subject table '\(subject.table)' is not mapped")
        }
        func subjectColumns(_ node: DocumentNode?) throws(InputProblem) -> [String] {
            guard let node else { return [] }
            let columns = try node.stringList()
            if let unknown = columns.first(where: { subjectTable.column(named: $0) == nil }) {
                throw node.problem("'\(unknown)' is not a mapped column of the subject table '\(subject.table)'")
            }
            return columns
        }
        subject.nameColumns = try subjectColumns(nameNode)
        subject.addressColumns = try subjectColumns(addressNode)
        subject.languageColumn = try subjectColumns(languageNode).first
        subject.countryColumn = try subjectColumns(countryNode).first

        var identities: [String: Identity] = [:]
        for (name, identityNode) in try fields.required("identities").entries() {
            let identityFields = try identityNode.fields()
            let columnNode = try identityFields.required("column")
            let (table, column) = try qualifiedColumn(columnNode)
            guard let mapped = tables.first(where: { $0.name == table }), mapped.column(named: column) != nil else {
                throw columnNode.problem("'\(table).\(column)' is not a mapped column")
            }
            let normalizeNode = try identityFields.required("normalize")
            guard let normalization = IdentityNormalization(rawValue: try normalizeNode.nonEmptyString()) else {
                throw normalizeNode.problem("unknown normalisation; expected one of \(IdentityNormalization.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let rectifiable = try identityFields.optional("rectifiable")?.bool() ?? false
            var layouts: [String] = []
            if let layoutsNode = identityFields.optional("layouts") {
                guard normalization == .phone else { throw layoutsNode.problem("only a phone identity has layouts") }
                for layoutNode in try layoutsNode.list() {
                    let layout = try layoutNode.nonEmptyString()
                    guard layout.contains("#"), layout.allSatisfy({ "#+-. ()/".contains($0) }) else {
                        throw layoutNode.problem("a layout writes each digit as # between spaces, dashes, dots, slashes, brackets and a leading +, "
                                                 + "such as '+## ## ## ## ##'")
                    }
                    layouts.append(layout)
                }
            }
            try identityFields.finish()
            identities[name] = Identity(name: name, table: table, column: column, normalization: normalization,
                                        rectifiable: rectifiable, layouts: layouts)
            // An identity the map lets requests rectify is a rectifiable column.
            if rectifiable, let tableIndex = tables.firstIndex(where: { $0.name == table }),
               let columnIndex = tables[tableIndex].columns.firstIndex(where: { $0.name == column }) {
                tables[tableIndex].columns[columnIndex].rectifiable = true
            }
        }
        guard !identities.isEmpty else { throw root.problem("at least one identity is required") }
        var consents: ConsentTable?
        if let consentNode = fields.optional("consents") {
            let consentFields = try consentNode.fields()
            let tableNode = try consentFields.required("table")
            let table = try tableNode.nonEmptyString()
            guard let mapped = tables.first(where: { $0.name == table }) else { throw tableNode.problem("'\(table)' is not a mapped table") }
            func column(_ name: String) throws(InputProblem) -> String {
                let node = try consentFields.required(name)
                let column = try node.nonEmptyString()
                guard mapped.column(named: column) != nil else { throw node.problem("'\(column)' is not a mapped column of '\(table)'") }
                return column
            }
            var softOptIn: SoftOptIn?
            if let softNode = consentFields.optional("soft_opt_in") {
                softOptIn = try parseSoftOptIn(softNode, tables: tables)
            }
            consents = ConsentTable(table: table, purposeColumn: try column("purpose_column"),
                                    channelColumn: try column("channel_column"),
                                    textColumn: try column("text_column"),
                                    textVersionColumn: try column("text_version_column"),
                                    collectedViaColumn: try column("collected_via_column"),
                                    grantedAtColumn: try column("granted_at_column"),
                                    confirmedAtColumn: try column("confirmed_at_column"),
                                    validUntilColumn: try column("valid_until_column"),
                                    withdrawnAtColumn: try column("withdrawn_at_column"),
                                    withdrawnViaColumn: try column("withdrawn_via_column"),
                                    expiredAtColumn: try column("expired_at_column"),
                                    softOptIn: softOptIn)
            try consentFields.finish()
        }
        var ignored = Ignored()
        if let ignoredNode = fields.optional("ignored") {
            let ignoredFields = try ignoredNode.fields()
            func reasons(_ name: String) throws(InputProblem) -> [String: String] {
                var reasons: [String: String] = [:]
                for (key, reason) in try ignoredFields.optional(name)?.entries() ?? [] {
                    reasons[key] = try reason.nonEmptyString()
                }
                return reasons
            }
            ignored.tables = try reasons("tables")
            ignored.columns = try reasons("columns")
            try ignoredFields.finish()
            if let mapped = tables.first(where: { ignored.tables[$0.name] != nil }) {
                throw ignoredNode.problem("'\(mapped.name)' is both mapped and ignored")
            }
        }
        let recipientsNode = fields.optional("recipients")
        try fields.finish()

        var map = DataMap(subject: subject, identities: identities, tables: tables, facts: facts, consents: consents,
                          ignored: ignored)
        try map.checkStores(tablesNode: tablesNode)
        try map.resolvePaths(tablesNode: tablesNode)
        try map.checkRectifiableColumns(tablesNode: tablesNode)
        if let recipientsNode {
            map.recipients = try map.parseRecipients(recipientsNode, tablesNode: tablesNode)
            for index in map.tables.indices {
                map.tables[index].recipientNames = map.tables[index].recipients.map { map.recipient(id: $0)!.name }
            }
        }
        return map
    }

    private static func parseSoftOptIn(_ node: DocumentNode, tables: [MappedTable]) throws(InputProblem) -> SoftOptIn {
        let fields = try node.fields()
        let channelsNode = try fields.required("channels")
        let channels = try channelsNode.stringList()
        if let bad = channels.first(where: { !["email", "sms"].contains($0) }) {
            throw channelsNode.problem("'\(bad)': the existing-customer exception covers email and sms only")
        }
        let graceNode = try fields.required("grace_days")
        let grace = try graceNode.integer()
        guard (0...3650).contains(grace) else { throw graceNode.problem("must be between 0 and 3650") }
        var relationships: [Relationship] = []
        let relationshipsNode = try fields.required("relationships")
        for element in try relationshipsNode.list() {
            let relationshipFields = try element.fields()
            let tableNode = try relationshipFields.required("table")
            guard let table = tables.first(where: { $0.name == (try? tableNode.nonEmptyString()) }) else {
                throw tableNode.problem("is not a mapped table")
            }
            func column(_ node: DocumentNode) throws(InputProblem) -> String {
                let name = try node.nonEmptyString()
                guard table.column(named: name) != nil else { throw node.problem("'\(name)' is not a mapped column of '\(table.name)'") }
                return name
            }
            if let untilNode = relationshipFields.optional("until") {
                relationships.append(Relationship(table: table.name, end: .until(column: try column(untilNode))))
            } else if let sinceNode = relationshipFields.optional("since") {
                let daysNode = try relationshipFields.required("lasts_days")
                let days = try daysNode.integer()
                guard days > 0 else { throw daysNode.problem("must be a positive number of days") }
                relationships.append(Relationship(table: table.name, end: .since(column: try column(sinceNode), days: days)))
            } else {
                throw element.problem("say when the relationship ends: 'until: column', or 'since: column' with 'lasts_days'")
            }
            try relationshipFields.finish()
        }
        guard !relationships.isEmpty else { throw relationshipsNode.problem("name at least one table that proves a relationship") }
        let softOptIn = SoftOptIn(purposes: try fields.required("purposes").stringList(), channels: channels,
                                  graceDays: grace, relationships: relationships)
        try fields.finish()
        return softOptIn
    }

    private static func parseTable(name: String, node: DocumentNode) throws(InputProblem) -> MappedTable {
        let fields = try node.fields()
        var references: [Reference] = []
        if let referencesNode = fields.optional("references") {
            for (column, targetNode) in try referencesNode.entries() {
                let (targetTable, targetColumn) = try qualifiedColumn(targetNode)
                references.append(Reference(table: name, column: column, targetTable: targetTable, targetColumn: targetColumn))
            }
        }
        var tableErasure: ErasureAction?
        if let erasureNode = fields.optional("erasure") { tableErasure = try erasureAction(erasureNode, rewriteValue: nil) }

        var columns: [MappedColumn] = []
        let columnsNode = try fields.required("columns")
        for (columnName, columnNode) in try columnsNode.entries() {
            let columnFields = try columnNode.fields()
            let categoryNode = try columnFields.required("category")
            guard let category = DataCategory(rawValue: try categoryNode.nonEmptyString()) else {
                throw categoryNode.problem("unknown data category; expected one of \(DataCategory.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let provided = try columnFields.optional("provided")?.bool() ?? false
            let rectifiable = try columnFields.optional("rectifiable")?.bool() ?? false
            let rewriteValue = try columnFields.optional("value")?.string()
            let erasure: ErasureAction
            if let erasureNode = columnFields.optional("erasure") {
                erasure = try erasureAction(erasureNode, rewriteValue: rewriteValue)
            } else if let tableErasure {
                erasure = tableErasure
            } else {
                throw columnFields.owner.problem("needs an erasure action (or the table an 'erasure' default)")
            }
            if rewriteValue != nil, erasure != .rewrite(rewriteValue!) {
                throw columnNode.problem("'value' is only for the rewrite erasure action")
            }
            let label = try columnFields.optional("label").map { node throws(InputProblem) in try Labels.parse(node) } ?? Labels()
            let format = try columnFields.optional("format").map { node throws(InputProblem) in try DisplayFormat.parse(node) }
            var mayHold: [DataCategory] = []
            if let mayHoldNode = columnFields.optional("may_hold") {
                for element in try mayHoldNode.list() {
                    guard let held = DataCategory(rawValue: try element.nonEmptyString()), held != .none, held != category else {
                        throw element.problem("must be a data category other than the column's own and none")
                    }
                    if !mayHold.contains(held) { mayHold.append(held) }
                }
            }
            try columnFields.finish()
            var column = MappedColumn(name: columnName, category: category, provided: provided, erasure: erasure,
                                      rectifiable: rectifiable, label: label, format: format)
            column.mayHold = mayHold
            columns.append(column)
        }
        guard !columns.isEmpty else { throw columnsNode.problem("a mapped table needs at least one column") }

        var hold: RetentionRule?
        if let holdNode = fields.optional("hold") { hold = try retentionRule(holdNode) }
        let label = try fields.optional("label").map { node throws(InputProblem) in try Labels.parse(node) } ?? Labels()
        let store = try fields.optional("store")?.nonEmptyString()
        let link = try fields.optional("link").map { node throws(InputProblem) in try storeLink(node) }
        var table = MappedTable(
            name: name,
            description: try Labels.parseText(try fields.required("description")),
            purposes: try Labels.parseTexts(try fields.required("purposes")),
            legalBasis: try Labels.parseText(try fields.required("legal_basis")),
            recipients: try fields.optional("recipients")?.stringList() ?? [],
            retention: try Labels.parseText(try fields.required("retention")),
            source: try fields.optional("source").map { node throws(InputProblem) in try Labels.parseText(node) },
            transfers: try fields.optional("transfers").map { node throws(InputProblem) in try Labels.parseTexts(node) } ?? [],
            references: references,
            columns: columns,
            pathToSubject: [],
            hold: hold,
            restrictionFlag: try fields.optional("restriction_flag")?.nonEmptyString(),
            label: label)
        table.store = store
        table.link = link
        table.kept = try fields.optional("kept").map { node throws(InputProblem) in try keptRule(node) }
        table.recipientNames = table.recipients
        try fields.finish()
        return table
    }

    /// `{reason: …, until: …}`.
    private static func keptRule(_ node: DocumentNode) throws(InputProblem) -> KeptRule {
        let fields = try node.fields()
        let rule = KeptRule(reason: try Labels.parseText(try fields.required("reason")), until: try Labels.parseText(try fields.required("until")))
        try fields.finish()
        return rule
    }

    /// `{identity: email}` (the column named like the identity's, or `column:`), or
    /// `{column: shop_customer_no, subject_column: customer_no}`. That the names exist is
    /// checked with the whole map.
    private static func storeLink(_ node: DocumentNode) throws(InputProblem) -> StoreLink {
        let fields = try node.fields()
        let column = try fields.optional("column")?.nonEmptyString()
        let link: StoreLink
        if let identityNode = fields.optional("identity") {
            link = .identity(name: try identityNode.nonEmptyString(), column: column ?? "")
        } else if let subjectNode = fields.optional("subject_column") {
            guard let column else { throw node.problem("a link by subject_column names its own column too: {column: …, subject_column: …}") }
            link = .subjectColumn(column: column, subjectColumn: try subjectNode.nonEmptyString())
        } else {
            throw node.problem("say how rows reach the person: {identity: name} or {column: …, subject_column: …}")
        }
        try fields.finish()
        return link
    }

    /// `{rule: norway-bookkeeping, date_column: …}` or a custom
    /// `{basis: …, years: N, counts_from: …, date_column: …}`.
    private static func retentionRule(_ node: DocumentNode) throws(InputProblem) -> RetentionRule {
        let fields = try node.fields()
        let dateColumn = try fields.required("date_column").nonEmptyString()
        let rule: RetentionRule
        if let presetNode = fields.optional("rule") {
            guard let preset = RetentionRule.Preset(rawValue: try presetNode.nonEmptyString()) else {
                throw presetNode.problem("unknown retention rule; expected one of \(RetentionRule.Preset.allCases.map(\.rawValue).joined(separator: ", ")), or give basis, years and counts_from")
            }
            rule = preset.rule(dateColumn: dateColumn)
        } else {
            let yearsNode = try fields.required("years")
            let years = try yearsNode.integer()
            guard (0...100).contains(years) else { throw yearsNode.problem("must be between 0 and 100") }
            let countsNode = try fields.required("counts_from")
            guard let countsFrom = RetentionRule.CountsFrom(rawValue: try countsNode.nonEmptyString()) else {
                throw countsNode.problem("expected one of \(RetentionRule.CountsFrom.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            rule = RetentionRule(basis: try fields.required("basis").nonEmptyString(), years: years,
                                 countsFrom: countsFrom, dateColumn: dateColumn)
        }
        try fields.finish()
        return rule
    }

    private static func erasureAction(_ node: DocumentNode, rewriteValue: String?) throws(InputProblem) -> ErasureAction {
        switch try node.nonEmptyString() {
        case "delete": return .delete
        case "null": return .null
        case "pseudonymise", "pseudonymize": return .pseudonymise
        case "keep": return .keep
        case "rewrite":
            guard let rewriteValue else { throw node.problem("rewrite needs a 'value' beside it") }
            return .rewrite(rewriteValue)
        default:
            throw node.problem("unknown erasure action; expected one of \(ErasureAction.names.joined(separator: ", "))")
        }
    }

    /// Splits `table.column` at its last dot.
    private static func qualifiedColumn(_ node: DocumentNode) throws(InputProblem) -> (String, String) {
        guard let qualified = QualifiedColumn(try node.nonEmptyString()) else { throw node.problem("must be written table.column") }
        return (qualified.table, qualified.column)
    }

    /// A rectification never changes the columns that tie rows together: the subject key,
    /// a reference, or a column a reference points at. Changing one would move rows to
    /// another person or cut them loose (corrected data, Art. 16, is never a new owner).
    private func checkRectifiableColumns(tablesNode: DocumentNode) throws(InputProblem) {
        var links: Set<String> = ["\(subject.table).\(subject.key)"]
        for table in tables {
            if let link = table.link { links.insert("\(table.name).\(link.column)") }
            for reference in table.references {
                links.insert("\(reference.table).\(reference.column)")
                links.insert("\(reference.targetTable).\(reference.targetColumn)")
            }
        }
        for table in tables {
            for column in table.columns where column.rectifiable && links.contains("\(table.name).\(column.name)") {
                throw InputProblem(SourceLocation(file: tablesNode.file, field: "tables.\(table.name).columns.\(column.name).rectifiable"),
                                   "a key or reference column cannot be rectifiable: changing it would move rows to another person")
            }
        }
    }

    /// Finds each table's shortest chain of references to the subject table, or in another
    /// store to a table linked to the person.
    private mutating func resolvePaths(tablesNode: DocumentNode) throws(InputProblem) {
        let roots = [subject.table] + tables.filter { $0.link != nil }.map(\.name)
        var paths = Dictionary(uniqueKeysWithValues: roots.map { ($0, [Reference]()) })
        var frontier = roots
        while !frontier.isEmpty {
            var next: [String] = []
            for table in tables where paths[table.name] == nil {
                if let reference = table.references.first(where: { frontier.contains($0.targetTable) }) {
                    paths[table.name] = [reference] + paths[reference.targetTable]!
                    next.append(table.name)
                }
            }
            frontier = next
        }
        for index in tables.indices {
            let table = tables[index]
            for reference in table.references where self.table(named: reference.targetTable) == nil {
                throw InputProblem(SourceLocation(file: tablesNode.file, field: "tables.\(table.name).references.\(reference.column)"),
                                   "refers to '\(reference.targetTable)', which is not a mapped table")
            }
            guard let path = paths[table.name] else {
                let target = storeName(of: table) == storeName(of: self.table(named: subject.table)!) ? "the subject table '\(subject.table)'"
                    : "a table of its store with a link to the person"
                throw InputProblem(SourceLocation(file: tablesNode.file, field: "tables.\(table.name)"),
                                   "no chain of references leads from this table to \(target)")
            }
            tables[index].pathToSubject = path
            for reference in table.references {
                if let label = self.table(named: reference.targetTable)?.column(named: reference.targetColumn)?.label {
                    tables[index].referenceLabels[reference.column] = label
                }
            }
        }
    }
}
