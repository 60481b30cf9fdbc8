import DSRCore
import Foundation

/// Reads breach files (JSON or YAML) into checked breaches, reporting every problem of a
/// file with its field and line.
///
/// A file for `dsr breach update` holds only the facts that changed: parsed over the
/// breach's current version, every field is optional.
public struct BreachFileParser: Sendable {
    public let map: DataMap
    /// Local times without an offset are read in this zone.
    public let zone: TimeZone
    /// Times after this are refused as in the future.
    public let now: Date

    public init(map: DataMap, zone: TimeZone, now: Date) {
        self.map = map
        self.zone = zone
        self.now = now
    }

    /// Parses a breach file; with `base`, the file updates that breach.
    public func parse(contentsOf url: URL, updating base: Breach? = nil) throws -> Breach {
        let root: DocumentNode
        do {
            root = try DocumentNode.load(contentsOf: url)
        } catch let problem as InputProblem {
            throw DSRError.badInput(problem.description)
        }
        switch parse(root, updating: base, folder: url.deletingLastPathComponent()) {
        case .success(let breach): return breach
        case .failure(let error): throw DSRError.badInput(error.description)
        }
    }

    func parse(_ root: DocumentNode, updating base: Breach?, folder: URL) -> Result<Breach, RequestFileError> {
        var problems: [InputProblem] = []
        func collect<T>(_ read: () throws(InputProblem) -> T) -> T? {
            do { return try read() } catch { problems.append(error); return nil }
        }
        guard let fields = collect({ () throws(InputProblem) in try root.fields() }) else {
            return .failure(RequestFileError(problems: problems))
        }
        /// A field's value: read from the file when there, else the base's, else required.
        func field<T>(_ name: String, _ current: T?, _ read: (DocumentNode) throws(InputProblem) -> T) -> T? {
            collect { () throws(InputProblem) -> T? in
                if let node = fields.optional(name) { return try read(node) }
                if let current { return current }
                _ = try fields.required(name)
                return nil
            } ?? nil
        }
        func optionalField<T>(_ name: String, _ current: T?, _ read: (DocumentNode) throws(InputProblem) -> T) -> T? {
            collect { () throws(InputProblem) -> T? in
                guard let node = fields.optional(name) else { return current }
                return try read(node)
            } ?? nil
        }
        let text = { (node: DocumentNode) throws(InputProblem) in try node.nonEmptyString() }

        let id = field("id", base?.id) { node throws(InputProblem) in
            let id = try RequestFileParser.requestID(node)
            if let base, base.id != id { throw node.problem("names breach '\(id)', not '\(base.id)'") }
            return id
        }
        let title = field("title", base?.title, text)
        let awareAt = field("aware_at", base?.awareAt, instant)
        let occurredFrom = optionalField("occurred_from", base?.occurredFrom, instant)
        let occurredTo = optionalField("occurred_to", base?.occurredTo, instant)
        let types = field("types", base?.types) { node throws(InputProblem) -> [BreachType] in
            var types: [BreachType] = []
            for element in try node.list() {
                guard let type = BreachType(rawValue: try element.nonEmptyString().lowercased()) else {
                    throw element.problem("unknown breach type; expected \(BreachType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                if !types.contains(type) { types.append(type) }
            }
            guard !types.isEmpty else { throw node.problem("must name at least one type") }
            return types
        }
        let description = field("description", base?.description, text)
        let discoveredHow = optionalField("discovered_how", base?.discoveredHow, text)
        let cause = optionalField("cause", base?.cause) { node throws(InputProblem) -> BreachCause in
            guard let cause = BreachCause(rawValue: try node.nonEmptyString()) else {
                throw node.problem("unknown cause; expected \(BreachCause.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return cause
        } ?? .unknown
        let scope = field("scope", base?.scope) { node throws(InputProblem) in try scopeEntries(node, folder: folder) }
        let subjectCategories = optionalField("subject_categories", base?.subjectCategories) { node throws(InputProblem) in
            try node.stringList()
        } ?? ["customers"]
        let dataEncrypted = optionalField("data_encrypted", base?.dataEncrypted) { node throws(InputProblem) in try node.bool() } ?? false
        let consequences = field("likely_consequences", base?.likelyConsequences, text)
        let measuresTaken = field("measures_taken", base?.measuresTaken, text)
        let measuresProposed = field("measures_proposed", base?.measuresProposed, text)
        let advice = optionalField("advice_to_individuals", base?.adviceToIndividuals, text)
        let notifyAuthority = field("notify_authority", base?.notifyAuthority) { node throws(InputProblem) in try node.bool() }
        let reasonNotNotified = optionalField("reason_not_notified", base?.reasonNotNotified, text)
        let reasonsForDelay = optionalField("reasons_for_delay", base?.reasonsForDelay, text)
        let memberStates = optionalField("member_states_affected", base?.memberStatesAffected) { node throws(InputProblem) -> [String] in
            let codes = try node.stringList().map { $0.uppercased() }
            if let bad = codes.first(where: { $0.count != 2 || !$0.allSatisfy(\.isLetter) }) {
                throw node.problem("'\(bad)' is not an ISO 3166 country code such as NO or SE")
            }
            return codes
        } ?? []
        let otherNotifications = optionalField("other_notifications", base?.otherNotifications, text)
        let reporter = optionalField("reporter", base?.reporter, text)
        let contactPerson = optionalField("contact_person", base?.contactPerson, text)
        let cyberIncident = optionalField("cyber_incident", base?.cyberIncident) { node throws(InputProblem) in try node.bool() }
        let vulnerableGroups = optionalField("vulnerable_groups", base?.vulnerableGroups) { node throws(InputProblem) -> [VulnerableGroup] in
            var groups: [VulnerableGroup] = []
            for element in try node.list() {
                guard let group = VulnerableGroup(rawValue: try element.nonEmptyString()) else {
                    throw element.problem("unknown group; expected \(VulnerableGroup.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                if !groups.contains(group) { groups.append(group) }
            }
            return groups
        }
        let language = optionalField("language", base?.language) { node throws(InputProblem) in try Language.parse(node) }
        let translations = optionalField("letters", base?.translations) { node throws(InputProblem) -> [String: Breach.LetterTexts] in
            var translations: [String: Breach.LetterTexts] = [:]
            for (code, textsNode) in try node.entries() {
                guard let language = Language(rawValue: code) else {
                    throw textsNode.problem("unknown language; expected one of \(Language.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let texts = try textsNode.fields()
                translations[language.rawValue] = Breach.LetterTexts(
                    title: try texts.required("title").nonEmptyString(), description: try texts.required("description").nonEmptyString(),
                    likelyConsequences: try texts.required("likely_consequences").nonEmptyString(),
                    measuresTaken: try texts.required("measures_taken").nonEmptyString(),
                    measuresProposed: try texts.required("measures_proposed").nonEmptyString(),
                    adviceToIndividuals: try texts.optional("advice_to_individuals")?.nonEmptyString())
                try texts.finish()
            }
            return translations
        }
        _ = collect { () throws(InputProblem) in try fields.finish() }

        let location = { (field: String) in SourceLocation(file: root.file, field: field, line: root.line) }
        if notifyAuthority == false && reasonNotNotified == nil {
            problems.append(InputProblem(location("reason_not_notified"),
                                         "is required when notify_authority is false (Art. 33(5): the register keeps why)"))
        }
        if let occurredFrom, let occurredTo, occurredTo < occurredFrom {
            problems.append(InputProblem(location("occurred_to"), "is before occurred_from"))
        }
        if let occurredFrom, let awareAt, awareAt < occurredFrom {
            problems.append(InputProblem(location("aware_at"), "is before the breach began (occurred_from)"))
        }
        guard problems.isEmpty, let id, let title, let awareAt, let types, let description, let scope, let consequences,
              let measuresTaken, let measuresProposed, let notifyAuthority else {
            return .failure(RequestFileError(problems: problems))
        }
        return .success(Breach(
            id: id, title: title, awareAt: awareAt, occurredFrom: occurredFrom, occurredTo: occurredTo, types: types,
            description: description, discoveredHow: discoveredHow, cause: cause, scope: scope,
            subjectCategories: subjectCategories, dataEncrypted: dataEncrypted, likelyConsequences: consequences,
            measuresTaken: measuresTaken, measuresProposed: measuresProposed, adviceToIndividuals: advice,
            notifyAuthority: notifyAuthority, reasonNotNotified: reasonNotNotified, reasonsForDelay: reasonsForDelay,
            memberStatesAffected: memberStates, otherNotifications: otherNotifications, reporter: reporter,
            contactPerson: contactPerson, cyberIncident: cyberIncident, vulnerableGroups: vulnerableGroups, language: language,
            translations: translations))
    }

    /// An instant with an offset, or a local time in the controller's zone that names one.
    private func instant(_ node: DocumentNode) throws(InputProblem) -> Date {
        switch Timestamp.parse(try node.nonEmptyString(), localIn: zone) {
        case .success(let date):
            guard date <= now.addingTimeInterval(300) else { throw node.problem("is in the future") }
            return date
        case .failure(let error):
            throw node.problem(error.reason)
        }
    }

    private func scopeEntries(_ node: DocumentNode, folder: URL) throws(InputProblem) -> [BreachScopeEntry] {
        var entries: [BreachScopeEntry] = []
        for element in try node.list() {
            let fields = try element.fields()
            let tableNode = try fields.required("table")
            guard let table = map.table(named: try tableNode.nonEmptyString()) else {
                throw tableNode.problem("is not a table of the data map; it maps \(map.tables.map(\.name).joined(separator: ", "))")
            }
            var columns = table.columns.map(\.name)
            if let columnsNode = fields.optional("columns") {
                columns = try columnsNode.stringList()
                if let unknown = columns.first(where: { table.column(named: $0) == nil }) {
                    throw columnsNode.problem("'\(unknown)' is not a mapped column of \(table.name)")
                }
                guard !columns.isEmpty else { throw columnsNode.problem("must name at least one column") }
            }
            let whereNode = fields.optional("where")
            let filesNode = fields.optional("ids_file")
            let allNode = fields.optional("all")
            let given = [whereNode, filesNode, allNode].compactMap { $0 }
            guard given.count == 1 else {
                throw element.problem("say which rows with exactly one of 'where', 'ids_file' or 'all: true'")
            }
            let rows: BreachScopeEntry.Rows
            if let whereNode {
                rows = .matching(try conditions(whereNode, table: table))
            } else if let filesNode {
                let url = URL(fileURLWithPath: try filesNode.nonEmptyString(), relativeTo: folder).standardizedFileURL
                guard FileManager.default.isReadableFile(atPath: url.path) else { throw filesNode.problem("file \(url.path) cannot be read") }
                rows = .identitiesFile(url.path)
            } else {
                guard try allNode!.bool() else { throw allNode!.problem("must be true (or say which rows with 'where' or 'ids_file')") }
                rows = .all
            }
            try fields.finish()
            entries.append(BreachScopeEntry(table: table.name, columns: columns, rows: rows))
        }
        guard !entries.isEmpty else { throw node.problem("must name at least one table") }
        return entries
    }

    /// One end of a range: a date (`2024-06-30`), an ISO 8601 time with its offset, or a
    /// number. Anything else would be compared as text and choose rows by accident.
    private func rangeEnd(_ node: DocumentNode) throws(InputProblem) -> String {
        let text = try node.nonEmptyString()
        guard Self.kind(of: text) != nil else {
            throw node.problem("a range end must be a date (YYYY-MM-DD), a time with its UTC offset, or a number")
        }
        return text
    }

    /// Whether a range end is a point in time or a number (nil: neither).
    private static func kind(of text: String) -> String? {
        if CalendarDay(iso: text) != nil || Timestamp.parse(text) != nil { return "time" }
        if Double(text) != nil { return "number" }
        return nil
    }

    /// `column: value`, `column: [values]`, `column: {in: [values]}` or
    /// `column: {from: X, to: Y}` (either end may be left out).
    private func conditions(_ node: DocumentNode, table: MappedTable) throws(InputProblem) -> [ColumnCondition] {
        var conditions: [ColumnCondition] = []
        for (column, test) in try node.entries() {
            guard table.column(named: column) != nil else {
                throw test.problem("'\(column)' is not a mapped column of \(table.name)")
            }
            switch test.value {
            case .scalar, .sequence:
                conditions.append(ColumnCondition(column: column, test: .oneOf(try test.stringList())))
            case .mapping:
                let fields = try test.fields()
                if let values = fields.optional("in") {
                    conditions.append(ColumnCondition(column: column, test: .oneOf(try values.stringList())))
                } else {
                    let fromNode = fields.optional("from")
                    let toNode = fields.optional("to")
                    guard fromNode != nil || toNode != nil else { throw test.problem("give 'in', or 'from' and/or 'to'") }
                    let from = try fromNode.map(rangeEnd)
                    let to = try toNode.map(rangeEnd)
                    let kinds = Set([from, to].compactMap { $0 }.compactMap(Self.kind))
                    guard kinds.count == 1 else { throw test.problem("both ends of a range must be dates, or both numbers") }
                    conditions.append(ColumnCondition(column: column, test: .range(from: from, to: to)))
                }
                try fields.finish()
            case .null:
                throw test.problem("needs a value, a list, or from/to")
            }
        }
        guard !conditions.isEmpty else { throw node.problem("must name at least one column") }
        return conditions
    }
}
