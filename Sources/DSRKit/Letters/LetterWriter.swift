import DSRCore
import Foundation

/// Writes a request's letter (`letter.html`, `letter.txt`) into its folder beside the
/// machine-readable files, so the manifest lists it and it is published with them.
struct LetterWriter {
    var heading: LetterHeading
    let templates: LetterTemplates

    var style: LetterStyle { LetterStyle(language: heading.language, zone: heading.controller.timeZone) }

    /// Renders the letter with its own part's values and writes both formats.
    func write(_ body: [String: Any], phrases: PhraseBook, into folder: StagedFolder) throws {
        let context = context(body, phrases: phrases)
        for format in LetterFormat.allCases {
            let output = try folder.create("letter.\(format.rawValue)")
            try output.write(templates.render(heading.kind, format, context))
            try output.close(syncing: false)
        }
    }

    /// The whole context of the letter: its frame and its own part.
    func context(_ body: [String: Any], phrases: PhraseBook) -> LetterContext {
        LetterContext(heading.values(phrases, templates: templates).merging(body) { _, own in own }, phrases: phrases)
    }
}

/// The tables of an access or export letter, gathered while the answer's rows stream by:
/// the same columns the answer files show, labelled and formatted for the letter's
/// language.
final class TableLetterDraft {
    private(set) var writer: LetterWriter
    let phrases: PhraseBook
    private let style: LetterStyle
    /// The subject table's column of the person's country, whose value names the
    /// authority of their country in the letter.
    private let countryColumn: QualifiedColumn?
    private var country: String?
    /// The categories of which the table's rows of the person hold a value: a category
    /// counts for the person only where their own rows have something of it.
    private var categories: Set<DataCategory> = []
    /// Those a free-text value of theirs may hold (`may_hold`), told as possible.
    private var possibleCategories: Set<DataCategory> = []
    private var tables: [[String: Any]] = []
    private var rows: [[String: Any]] = []

    init(_ writer: LetterWriter, countryColumn: QualifiedColumn? = nil) {
        self.writer = writer
        self.countryColumn = countryColumn
        phrases = writer.templates.phraseBook(writer.heading.language)
        style = writer.style
    }

    func row(_ values: [StoreValue], columns: [MappedColumn]) {
        if let countryColumn, let index = columns.firstIndex(where: { $0.name == countryColumn.column }) {
            country = values[index] == .null ? nil : values[index].canonicalText
        }
        func currency(_ column: MappedColumn) -> String? {
            guard case .money(let money)? = column.format else { return nil }
            return money.currency(in: { name in columns.firstIndex { $0.name == name }.map { values[$0].canonicalText } })
        }
        for (column, value) in zip(columns, values) where value != .null {
            if column.category != .none { categories.insert(column.category) }
            possibleCategories.formUnion(column.mayHold)
        }
        let shown = zip(columns, values).map { column, value in
            (label: column.label[style.language] ?? column.name,
             value: style.value(value, format: column.format, currency: currency(column), phrases: phrases))
        }
        rows.append(["fields": shown.map { ["label": $0.label, "value": $0.value] }])
    }

    /// Closes the table; a table without rows of the person is left out of the letter.
    func endTable(_ table: MappedTable, columns: [MappedColumn]) {
        defer {
            rows = []
            country = nil
            categories = []
            possibleCategories = []
        }
        if table.name == countryColumn?.table, let country {
            writer.heading.residence = writer.templates.authorities.authority(ofCountry: country)
        }
        guard !rows.isEmpty else { return }
        let none = phrases.text("none")
        func list(_ items: [String]) -> String { items.isEmpty ? none : items.joined(separator: "; ") }
        tables.append([
            "caption": table.label[style.language] ?? table.description.text(style.language),
            "row_count": rows.count,
            "rows_text": phrases.count(rows.count, "rows"),
            "rows": rows,
            "categories": list(phrases.categories(certain: categories, possible: possibleCategories)),
            "purposes": list(table.purposes.map { $0.text(style.language) }),
            "legal_basis": table.legalBasis.text(style.language),
            "recipients": list(table.recipientNames),
            "retention": table.retention.text(style.language),
            "source": table.source?.text(style.language) ?? phrases.text("source_data_subject"),
            "transfers": list(table.transfers.map { $0.text(style.language) }),
        ])
    }

    /// The letter's own part: its tables, the answer's files, the map's Art. 15(1)(h) fact.
    func body(files: [String], facts: DataMap.AccessFacts) -> [String: Any] {
        ["tables": tables, "files": files, "automated_decisions": facts.automatedDecisions.text(style.language)]
    }
}

extension LetterWriter {
    /// The own part of a letter confirming a store change, from its receipt: per table what
    /// was erased, changed and left; the rows the law keeps whole, until when and why; what
    /// stays of the person in rows erasure leaves, why and until when; and the identities
    /// kept as keyed hashes on the suppression list. An erasure's headline follows those
    /// facts: erased, or erased except what is listed.
    func body(of receipt: Receipt, map: DataMap) -> [String: Any] {
        let style = self.style
        let phrases = templates.phraseBook(style.language)
        func caption(_ name: String) -> String {
            map.table(named: name).map { $0.label[style.language] ?? $0.description.text(style.language) } ?? name
        }
        let held = receipt.tables.flatMap { table in
            table.held.map { hold -> [String: Any] in
                // A statutory rule dsr knows is named in the letter's language.
                let preset = map.table(named: table.table)?.hold.flatMap { $0.basis == hold.basis ? $0.preset : nil }
                return ["caption": caption(table.table), "rows": phrases.count(hold.rows, "rows"), "until": style.day(hold.lastDayHeld),
                        "basis": preset.map { phrases.text("hold_basis_" + $0.rawValue) } ?? hold.basis]
            }
        }
        let kept = receipt.tables.flatMap { table in
            table.kept.map { kept -> [String: Any] in
                let mapped = map.table(named: table.table)
                // The rule in the letter's language when the map still has it; else the
                // words the receipt recorded.
                let rule = mapped?.keptRuleOrFacts
                let columns = kept.columns.map { name in
                    (mapped.flatMap { $0.column(named: name) ?? $0.unlistedReferenceColumns.first { $0.name == name } })?
                        .label[style.language] ?? name
                }
                return ["caption": caption(table.table), "rows": phrases.count(kept.rows, "rows"),
                        "columns": columns.joined(separator: ", "),
                        "reason": rule.flatMap { $0.reason[style.language] } ?? kept.reason,
                        "until": rule.flatMap { $0.until[style.language] } ?? kept.until]
            }
        }
        let suppressed = (receipt.suppressed ?? []).map { name -> [String: Any] in
            let column = map.identities[name].flatMap { identity in map.table(named: identity.table)?.column(named: identity.column) }
            return ["name": column?.label[style.language] ?? name]
        }
        var body: [String: Any] = [
            "nothing_changed": receipt.changedNothing,
            "tables": receipt.tables.map { table -> [String: Any] in
                ["caption": caption(table.table), "deleted": table.rowsDeleted, "changed": table.rowsChanged,
                 "unchanged": table.rowsUnchanged]
            },
            "has_held": !held.isEmpty,
            "held": held,
            "has_kept": !kept.isEmpty,
            "kept": kept,
            "has_suppressed": !suppressed.isEmpty,
            "suppressed": suppressed,
            "has_recipients_told": !(receipt.recipientsTold ?? []).isEmpty,
            "recipients_told": (receipt.recipientsTold ?? []).map { ["name": $0] },
        ]
        // A restriction marks only tables with a restriction flag; the person's rows in the
        // others are named as not marked.
        let unmarked = heading.header?.requestType != .restriction ? []
            : receipt.tables.filter { table in !table.columns.contains { $0.action == .restrict } && table.rowsUnchanged > 0 }
        body["has_unrestricted"] = !unmarked.isEmpty
        body["unrestricted"] = unmarked.map { ["caption": caption($0.table), "rows": phrases.count($0.rowsUnchanged, "rows")] }
        if heading.header?.requestType == .erasure, !held.isEmpty || !kept.isEmpty {
            body["title"] = phrases.text("title_erasure_except_kept")
            body["intro"] = phrases.text("intro_erasure_except_kept")
        }
        return body
    }
}

extension LetterContext {
    /// A letter of `kind` about made-up values, as `dsr templates check` renders every
    /// template with: every table and column of the data map, one hold.
    static func sample(_ kind: LetterKind, language: Language, map: DataMap, controller: Configuration.Controller,
                       templates: LetterTemplates) -> LetterContext {
        let type: RequestType = switch kind {
        case .export: .export
        case .changed: .erasure
        default: .access
        }
        let header = AnswerHeader(requestID: "SAMPLE-1", requestType: type, receivedAt: Date(timeIntervalSince1970: 1_795_000_000),
                                  dueDate: "2026-12-21", generatedAt: Date(timeIntervalSince1970: 1_795_100_000),
                                  controllerName: controller.name, dpoContact: controller.dpoContact, subjectFound: kind != .noData,
                                  facts: map.facts)
        let writer = LetterWriter(heading: LetterHeading(kind: kind, header: kind == .breach ? nil : header, controller: controller,
                                                         language: language),
                                  templates: templates)
        let draft = TableLetterDraft(writer)
        for table in map.tables {
            draft.row(table.columns.map { _ in .text("sample") }, columns: table.columns)
            draft.endTable(table, columns: table.columns)
        }
        let body: [String: Any]
        switch kind {
        case .access, .export, .noData:
            body = draft.body(files: ["sample.json"], facts: map.facts)
        case .changed:
            var receipt = Receipt(tables: map.tables.map { table in
                let kept = table.columnsKeptByErasure.map(\.name)
                return Receipt.Table(table: table.name, rowsDeleted: 1,
                                     held: table.hold.map { [.init(basis: $0.basis, lastDayHeld: CalendarDay(iso: "2031-12-31")!, rows: 1)] } ?? [],
                                     kept: kept.isEmpty ? [] : [.init(rows: 2, columns: kept, reason: table.keptRuleOrFacts.reason.anyText,
                                                                      until: table.keptRuleOrFacts.until.anyText, declared: table.kept != nil)])
            }, recipientsTold: map.recipients.map(\.name))
            receipt.suppressed = map.identities.keys.sorted()
            body = writer.body(of: receipt, map: map)
        case .breach:
            body = Breach.sample.letterBody(categories: DataCategory.allCases, texts: Breach.sample.letterTexts(in: language, defaultLanguage: language)!,
                                            phrases: draft.phrases, style: writer.style)
        case .extension, .refusal, .cancellation, .verification, .restrictionLift:
            var record = LedgerRequest.sample
            record.stateReason = "sample reason"
            record.extensionReason = "sample reason"
            body = writer.body(of: record, lift: RestrictionLiftRecord(requestID: record.id, reason: "sample reason",
                                                                       announcedAt: record.receivedAt, liftedAt: nil))
        }
        return writer.context(body, phrases: draft.phrases)
    }
}
