import DSRCore
import Foundation

/// The Art. 34 communications of a high-risk breach: one letter per affected person, in
/// the person's language from the letter templates (`html/breach`,
/// `txt/breach`), as mailing files a mail system can take (`letters.jsonl`, one JSON object
/// per line, and `letters.csv`), streamed from one store query.
///
/// Letters differ only in their greeting and in the categories of the person's own rows, so
/// each distinct letter is also written once as a page to read or print
/// (`letter-N.html`, `letter-N.txt`), and each person's line names theirs (`letter_file`):
/// a million people share a handful of pages, not a million files.
public struct BreachLetters {
    public static let jsonLinesName = "letters.jsonl"
    public static let csvName = "letters.csv"
    public static let publicNoticeName = "public-notice.txt"
    static let csvHeader = ["letter_id", "customer_key", "name", "email", "phone", "postal_address", "language", "subject", "letter_file", "body"]

    public var breach: Breach
    public var measurement: ScopeMeasurement
    public var controller: Configuration.Controller
    public var map: DataMap
    public var templates: LetterTemplates

    /// The writer of a letter in `language` to a person living where `residence` says.
    private func writer(_ language: Language, residence: SupervisoryAuthorities.Authority?, now: Date) -> LetterWriter {
        LetterWriter(heading: LetterHeading(kind: .breach, header: nil, controller: controller, language: language, writtenAt: now,
                                            residence: residence),
                     templates: templates)
    }

    /// Writes both mailing files and the distinct letters into `folder` (each renamed into
    /// place whole); returns how many letters. Each person's letter is in their language
    /// (the map's language or country column, else the default), names their country's
    /// authority, and lists only the categories their own affected rows hold a value of.
    public func write(into folder: URL, stores: StoreSet, parser: RequestFileParser, now: Date) throws -> Int {
        let scope = try AffectedIdentities.selections(for: breach.scope, stores: stores, parser: parser).selections
        // Letters are addressed from the subject table; someone only a linked store holds
        // has no name or address there.
        guard scope.dropFirst().allSatisfy(\.isEmpty) else {
            throw DSRError.configuration("breach \(breach.id): the scope reaches tables in linked stores; Art. 34 letters are written "
                                         + "for scopes within the subject table's store only (the notification counts everyone)")
        }
        let selections = scope[0]
        let store = stores.primary
        let map = stores.segments[0].map
        let contacts = map.identities.values.filter { $0.table == map.subject.table && $0.normalization != .exact }
        let email = contacts.first { $0.normalization == .email }?.column
        let phone = contacts.first { $0.normalization == .phone }?.column
        let columns = [email, phone, map.subject.languageColumn, map.subject.countryColumn].compactMap { $0 }
            + map.subject.nameColumns + map.subject.addressColumns
        // Letters differ in their greeting, language, authority and the categories of the
        // person's own rows: each variant is rendered and escaped once (few), not per person.
        struct Variant: Hashable {
            var language: Language
            var country: String?
            var mentions: [CategoryMention]
        }
        var variants: [Variant: (file: String, subject: String, dear: String, customer: String, json: String, csv: String)] = [:]
        func variant(_ key: Variant) throws -> (file: String, subject: String, dear: String, customer: String, json: String, csv: String) {
            if let known = variants[key] { return known }
            let file = "letter-\(variants.count + 1)"
            let writer = writer(key.language, residence: key.country.flatMap(templates.authorities.authority(code:)), now: now)
            let phrases = templates.phraseBook(key.language)
            let texts = breach.letterTexts(in: key.language, defaultLanguage: controller.languages[0])!
            let context = writer.context(breach.letterBody(categories: key.mentions.filter { !$0.possible }.map(\.category),
                                                           possible: key.mentions.filter(\.possible).map(\.category),
                                                           texts: texts, phrases: phrases, style: writer.style),
                                         phrases: phrases)
            for format in LetterFormat.allCases {
                try DurableFile.write(Data(templates.render(.breach, format, context).utf8),
                                      to: folder.appendingPathComponent("\(file).\(format.rawValue)"))
            }
            let rest = ",\n\n" + templates.render(.breach, .txt, context)
            let made = (file, phrases.text("title_breach") + " · " + controller.name, phrases.text("breach_dear"), phrases.text("breach_customer"),
                        String(JSONStreamWriter.quoted(rest).dropFirst()), rest.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
            variants[key] = made
            return made
        }
        // The breached columns of each table by category: a person counts for a category
        // only where one of their affected rows holds a value in such a column.
        // A column's own category is certain where it holds a value; what its free text may
        // hold (`may_hold`) is possible, and told so.
        var involved: [String: [CategoryMention: [String]]] = [:]
        for table in measurement.tables {
            for column in table.columns {
                guard let mapped = map.table(named: table.table)?.column(named: column) else { continue }
                if mapped.category != .none {
                    involved[table.table, default: [:]][CategoryMention(category: mapped.category, possible: false), default: []].append(column)
                }
                for held in mapped.mayHold {
                    involved[table.table, default: [:]][CategoryMention(category: held, possible: true), default: []].append(column)
                }
            }
        }
        // Every reader's language must have the officer's texts before a letter is written.
        let query = ScopeQuery(dialect: try store.dialect)
        let residence = [map.subject.languageColumn, map.subject.countryColumn]
        if residence.contains(where: { $0 != nil }) {
            var needed: [Language: Int] = [:]
            let languages = query.affectedSubjectsByCategory(selections, columns: residence.compactMap { $0 }, map: map,
                                                             involved: [String: [CategoryMention: [String]]]()).statement
            try store.fetch(languages) { row in
                var value = row.dropFirst().makeIterator()
                let languageValue = map.subject.languageColumn != nil ? Self.text(value.next()!) : nil
                let country = map.subject.countryColumn != nil ? Self.text(value.next()!).flatMap(templates.authorities.authority(ofCountry:)) : nil
                needed[LetterHeading.language(stored: languageValue, residence: country, controller: controller), default: 0] += 1
            }
            let missing = needed.keys.filter { breach.letterTexts(in: $0, defaultLanguage: controller.languages[0]) == nil }.sorted { $0.rawValue < $1.rawValue }
            guard missing.isEmpty else {
                throw DSRError.badInput("breach \(breach.id): letters are needed in " + missing.map { "\($0.rawValue) (\(needed[$0]!) people)" }.joined(separator: ", ")
                                        + "; give the texts in each under letters: {<language>: {title, description, likely_consequences, "
                                        + "measures_taken, measures_proposed}} (dsr breach update), or name the file's own language: with language:")
            }
        }
        var count = 0
        try DurableFile.createFolder(folder)
        try DurableFile.write(to: folder.appendingPathComponent(Self.jsonLinesName)) { jsonLines in
            try DurableFile.write(to: folder.appendingPathComponent(Self.csvName)) { csv in
                try csv.write(CSVRecord.line(Self.csvHeader))
                let (affected, categories) = query.affectedSubjectsByCategory(selections, columns: columns, map: map, involved: involved)
                try store.fetch(affected) { row in
                    count += 1
                    let key = row[0]
                    let present = Set(zip(row.suffix(categories.count), categories).filter { $0.0.canonicalText == "1" }.map(\.1))
                    // A category certain for the person is not told again as possible.
                    let own = present.filter { !$0.possible || !present.contains(CategoryMention(category: $0.category, possible: false)) }.sorted()
                    var value = row.dropFirst().makeIterator()
                    let emailValue = email != nil ? Self.text(value.next()!) : nil
                    let phoneValue = phone != nil ? Self.text(value.next()!) : nil
                    let languageValue = map.subject.languageColumn != nil ? Self.text(value.next()!) : nil
                    let residence = map.subject.countryColumn != nil ? Self.text(value.next()!).flatMap(templates.authorities.authority(ofCountry:)) : nil
                    let name = map.subject.nameColumns.compactMap { _ in Self.text(value.next()!) }.joined(separator: " ")
                    let address = map.subject.addressColumns.compactMap { _ in Self.text(value.next()!) }.joined(separator: ", ")
                    let language = LetterHeading.language(stored: languageValue, residence: residence, controller: controller)
                    let letter = try variant(Variant(language: language, country: residence?.country, mentions: own))
                    let letterID = "\(breach.id)-\(count)"
                    let greeting = letter.dear + " " + (name.isEmpty ? letter.customer : name)
                    try jsonLines.write(Self.jsonFields([
                        ("breach_id", breach.id), ("letter_id", letterID), ("customer_key", key.canonicalText),
                        ("name", name.isEmpty ? nil : name), ("email", emailValue), ("phone", phoneValue),
                        ("postal_address", address.isEmpty ? nil : address), ("language", language.rawValue), ("subject", letter.subject),
                        ("letter_file", letter.file),
                    ]) + ",\"body\":" + JSONStreamWriter.quoted(greeting).dropLast() + letter.json + "}\n")
                    try csv.write([letterID, key.canonicalText, name, emailValue ?? "", phoneValue ?? "", address, language.rawValue,
                                   letter.subject, letter.file]
                        .map(CSVRecord.field).joined(separator: ",") + "," + CSVRecord.field(greeting).dropLast() + letter.csv + "\r\n")
                }
            }
        }
        return count
    }

    /// The public notice that replaces the letters when writing to each person would take
    /// disproportionate effort (Art. 34(3)(c)): the letter of every category in the scope.
    public func writePublicNotice(into folder: URL, now: Date) throws {
        try DurableFile.createFolder(folder)
        let writer = writer(controller.languages[0], residence: nil, now: now)
        let phrases = templates.phraseBook(writer.heading.language)
        let language = controller.languages[0]
        guard let texts = breach.letterTexts(in: language, defaultLanguage: language) else {
            throw DSRError.badInput("breach \(breach.id): the public notice is in \(language.rawValue); give its texts under letters: {\(language.rawValue): …}")
        }
        let context = writer.context(breach.letterBody(categories: measurement.categories, texts: texts, phrases: phrases, style: writer.style),
                                     phrases: phrases)
        try DurableFile.write(Data(templates.render(.breach, .txt, context).utf8), to: folder.appendingPathComponent(Self.publicNoticeName))
        try DurableFile.write(Data(templates.render(.breach, .html, context).utf8),
                              to: folder.appendingPathComponent("public-notice.html"))
    }

    /// The keys of the general advice by what was involved, when the breach file gives none.
    static func advice(for categories: [DataCategory]) -> [String] {
        var advice: [String] = []
        if categories.contains(.contact) || categories.contains(.identification) { advice.append("advice_contact") }
        if categories.contains(.credentials) { advice.append("advice_credentials") }
        if categories.contains(.nationalID) { advice.append("advice_national_id") }
        if categories.contains(.financial) { advice.append("advice_financial") }
        if categories.contains(.location) || categories.contains(.demographic) { advice.append("advice_location") }
        return advice.isEmpty ? ["advice_none"] : advice
    }

    private static func text(_ value: StoreValue) -> String? {
        value == .null ? nil : value.canonicalText
    }

    /// The start of a one-line JSON object (no closing brace); nil fields are left out.
    private static func jsonFields(_ fields: [(String, String?)]) -> String {
        "{" + fields.compactMap { name, value in
            value.map { "\(JSONStreamWriter.quoted(name)):\(JSONStreamWriter.quoted($0))" }
        }.joined(separator: ",")
    }

}

extension Breach {
    /// The letter's own part: what happened and when, which of the person's data
    /// (`categories`: those of their own affected rows), what it may mean, what was done and
    /// what will be, what the person can do (Art. 34(2) with Art. 33(3)(b)–(d)); the frame
    /// adds whom to ask or complain to. `texts` are the officer's words in the letter's
    /// language.
    func letterBody(categories involved: [DataCategory], possible: [DataCategory] = [], texts: LetterTexts, phrases: PhraseBook,
                    style: LetterStyle) -> [String: Any] {
        let day = { (date: Date) in style.day(CalendarDay(date, in: style.zone)) }
        let occurred = occurredFrom.map { from in
            occurredTo.map { to in
                day(to) == day(from) ? "\(phrases.text("breach_on")) \(day(from))"
                    : "\(phrases.text("breach_between")) \(day(from)) \(phrases.text("breach_and")) \(day(to))"
            } ?? "\(phrases.text("breach_from")) \(day(from))"
        }
        let categories = involved.isEmpty && possible.isEmpty ? [phrases.category(.none)]
            : phrases.categories(certain: Set(involved), possible: Set(possible))
        return [
            "what_happened": "\(texts.title). \(texts.description)",
            "has_occurred": occurred != nil,
            "occurred": occurred ?? "",
            "aware": day(awareAt),
            "categories": categories,
            "consequences": texts.likelyConsequences,
            "measures_taken": texts.measuresTaken,
            "measures_proposed": texts.measuresProposed,
            "advice": texts.adviceToIndividuals ?? BreachLetters.advice(for: involved + possible).map(phrases.text).joined(separator: " "),
        ]
    }

    /// A made-up breach, for rendering the sample letter.
    static var sample: Breach {
        let day = Date(timeIntervalSince1970: 1_795_000_000)
        return Breach(id: "SAMPLE-1", title: "Sample", awareAt: day, occurredFrom: day, occurredTo: day, types: [.confidentiality],
                      description: "Sample.", discoveredHow: nil, cause: .unknown, scope: [], subjectCategories: [], dataEncrypted: false,
                      likelyConsequences: "Sample.", measuresTaken: "Sample.", measuresProposed: "Sample.", adviceToIndividuals: nil,
                      notifyAuthority: true, reasonNotNotified: nil, reasonsForDelay: nil, memberStatesAffected: [],
                      otherNotifications: nil, reporter: nil)
    }
}

/// A category a breach letter names for a person: certain (a value of that category is in
/// their affected rows) or possible (a free text of theirs may hold it).
struct CategoryMention: Hashable, Comparable {
    var category: DataCategory
    var possible: Bool

    static func < (left: CategoryMention, right: CategoryMention) -> Bool {
        (left.possible ? 1 : 0, left.category) < (right.possible ? 1 : 0, right.category)
    }
}
