import DSRCore
import Foundation

/// The Art. 34 communications of a high-risk breach: one plain-language letter per
/// affected person, as mailing files a mail system can take (`letters.jsonl`, one JSON
/// object per line, and `letters.csv`), streamed from one store query.
public struct BreachLetters {
    public static let jsonLinesName = "letters.jsonl"
    public static let csvName = "letters.csv"
    public static let publicNoticeName = "public-notice.txt"
    static let csvHeader = ["letter_id", "customer_key", "name", "email", "phone", "postal_address", "subject", "body"]

    public var breach: Breach
    public var measurement: ScopeMeasurement
    public var controller: Configuration.Controller
    public var map: DataMap

    /// Writes both mailing files into `folder` (each renamed into place whole); returns
    /// how many letters.
    public func write(into folder: URL, store: CustomerStore, parser: RequestFileParser) throws -> Int {
        let selections = try AffectedIdentities.selections(for: breach.scope, map: map, store: store, parser: parser).selections
        let contacts = map.identities.values.filter { $0.table == map.subject.table && $0.normalization != .exact }
        let email = contacts.first { $0.normalization == .email }?.column
        let phone = contacts.first { $0.normalization == .phone }?.column
        let columns = [email, phone].compactMap { $0 } + map.subject.nameColumns + map.subject.addressColumns
        let subjectLine = "Important: a personal data breach at \(controller.name) involving your data"
        // Letters differ in their greeting and in the categories of the person's own rows:
        // the rest is escaped once per set of categories (few), not per person.
        var rests: [[DataCategory]: (json: String, csv: String)] = [:]
        func rest(for categories: [DataCategory]) -> (json: String, csv: String) {
            if let cached = rests[categories] { return cached }
            let rest = ",\n\n" + letterBody(categories: categories)
            let escaped = (String(JSONStreamWriter.quoted(rest).dropFirst()), rest.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
            rests[categories] = escaped
            return escaped
        }
        var count = 0
        try DurableFile.createFolder(folder)
        try DurableFile.write(to: folder.appendingPathComponent(Self.jsonLinesName)) { jsonLines in
            try DurableFile.write(to: folder.appendingPathComponent(Self.csvName)) { csv in
                try csv.write(CSVRecord.line(Self.csvHeader))
                let (affected, tables) = ScopeQuery(dialect: try store.dialect).affectedSubjectsByTable(selections, columns: columns, map: map)
                let categoriesOfTable = tables.map { table in measurement.tables.first { $0.table == table.name }?.categories ?? [] }
                try store.fetch(affected) { row in
                    count += 1
                    let key = row[0]
                    let flags = row.suffix(tables.count)
                    let own = Set(zip(flags, categoriesOfTable).filter { $0.0.count == 1 }.flatMap(\.1)).sorted()
                    let (jsonRest, csvRest) = rest(for: own)
                    var value = row.dropFirst().makeIterator()
                    let emailValue = email != nil ? Self.text(value.next()!) : nil
                    let phoneValue = phone != nil ? Self.text(value.next()!) : nil
                    let name = map.subject.nameColumns.compactMap { _ in Self.text(value.next()!) }.joined(separator: " ")
                    let address = map.subject.addressColumns.compactMap { _ in Self.text(value.next()!) }.joined(separator: ", ")
                    let letterID = "\(breach.id)-\(count)"
                    let greeting = "Dear \(name.isEmpty ? "customer" : name)"
                    try jsonLines.write(Self.jsonFields([
                        ("breach_id", breach.id), ("letter_id", letterID), ("customer_key", key.canonicalText),
                        ("name", name.isEmpty ? nil : name), ("email", emailValue), ("phone", phoneValue),
                        ("postal_address", address.isEmpty ? nil : address), ("subject", subjectLine),
                    ]) + ",\"body\":" + JSONStreamWriter.quoted(greeting).dropLast() + jsonRest + "}\n")
                    try csv.write([letterID, key.canonicalText, name, emailValue ?? "", phoneValue ?? "", address, subjectLine]
                        .map(CSVRecord.field).joined(separator: ",") + "," + CSVRecord.field(greeting).dropLast() + csvRest + "\r\n")
                }
            }
        }
        return count
    }

    /// The public notice that replaces the letters when writing to each person would take
    /// disproportionate effort (Art. 34(3)(c)).
    public func writePublicNotice(into folder: URL) throws {
        try DurableFile.createFolder(folder)
        let text = "Notice of a personal data breach at \(controller.name)\n\n" + letterBody(categories: measurement.categories)
        try DurableFile.write(Data(text.utf8), to: folder.appendingPathComponent(Self.publicNoticeName))
    }

    /// What happened, which of the person's data (`categories`: those of their own affected
    /// rows), what it may mean, what was done and what will be, what the person can do, and
    /// whom to ask or complain to (Art. 34(2) with Art. 33(3)(b)–(d)).
    func letterBody(categories involved: [DataCategory]) -> String {
        let zone = controller.timeZone
        let day = { (date: Date) in CalendarDay(date, in: zone).description }
        var when = "We became aware of it on \(day(breach.awareAt))."
        if let from = breach.occurredFrom {
            when = (breach.occurredTo.map { "It happened between \(day(from)) and \(day($0))." } ?? "It began on \(day(from)).")
                + " " + when
        }
        let categories = involved.map(Self.plainName)
        let advice = breach.adviceToIndividuals ?? Self.advice(for: involved)
        return """
            We are writing to tell you about a personal data breach at \(controller.name) that involves your personal data.

            What happened: \(breach.title). \(breach.description)
            \(when)

            Which of your data was involved: \(categories.isEmpty ? "personal data we hold about you" : categories.joined(separator: "; ")).

            What this may mean for you: \(breach.likelyConsequences)

            What we have done: \(breach.measuresTaken)

            What we will do: \(breach.measuresProposed)

            What you can do: \(advice)

            If you have questions, contact our data protection officer: \(controller.dpoContact).
            You may also complain to the data protection authority\(controller.supervisoryAuthority.map { ": \($0)" } ?? "").

            \(controller.name)
            """
    }

    static func plainName(_ category: DataCategory) -> String {
        switch category {
        case .identification: return "details that identify you, such as your name or customer number"
        case .contact: return "your contact details (email address, phone number)"
        case .demographic: return "personal details such as your date of birth"
        case .financial: return "payment and financial details"
        case .transaction: return "your orders and purchases"
        case .behavioural: return "how you use our services"
        case .location: return "your address"
        case .communication: return "messages you sent us"
        case .technical: return "technical data about your account"
        case .preference: return "your preferences"
        case .consent: return "your marketing choices"
        case .nationalID: return "your national identity number"
        case .credentials: return "your password or other sign-in details"
        case .health: return "information about your health"
        case .criminal: return "information about offences"
        default: return category.rawValue.replacingOccurrences(of: "-", with: " ")
        }
    }

    /// General advice by what was involved, when the breach file gives none.
    static func advice(for categories: [DataCategory]) -> String {
        var advice: [String] = []
        if categories.contains(.contact) || categories.contains(.identification) {
            advice.append("Be wary of emails, text messages or calls that mention this incident or ask for passwords or payment details; we never ask for your password.")
        }
        if categories.contains(.credentials) {
            advice.append("Change your password with us, and anywhere else you used the same password.")
        }
        if categories.contains(.nationalID) {
            advice.append("Be alert to loans, credit or accounts opened in your name; you can ask the credit agencies to block credit checks on you.")
        }
        if categories.contains(.financial) {
            advice.append("Check your bank and card statements and tell your bank about any payment you do not recognise.")
        }
        if categories.contains(.location) || categories.contains(.demographic) {
            advice.append("Be alert to goods or accounts ordered in your name.")
        }
        return advice.isEmpty ? "You do not need to do anything, but contact us if you notice anything unusual." : advice.joined(separator: " ")
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
