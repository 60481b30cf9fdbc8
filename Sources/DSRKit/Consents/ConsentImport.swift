import DSRCore
import Foundation

/// One consent with the evidence that makes it valid, as an import file gives it.
public struct ConsentRecord: Sendable, Equatable {
    public var identities: [String: String]
    public var purpose: String
    public var channel: ConsentChannel
    /// The exact text the person saw, and its version.
    public var text: String
    public var textVersion: String
    /// The form and page it was collected on.
    public var collectedVia: String
    public var grantedAt: Date
    /// The double opt-in confirmation; required for email and SMS.
    public var confirmedAt: Date?
    public var validUntil: CalendarDay
    public var withdrawnAt: Date?
    public var withdrawnVia: String?
}

/// `dsr consent import`: reads a CSV or JSON file of consents, rejects each row that is
/// not valid evidence of consent (with its line and reason), and records the good rows in
/// the store's consent table in one transaction. Importing the same file again adds nothing.
public struct ConsentImport {
    public let installation: Installation

    public init(installation: Installation) {
        self.installation = installation
    }

    /// A row that was not imported, and why (never its values).
    public struct Rejection: Sendable, Codable, Equatable {
        public var line: Int
        public var reason: String
    }

    public struct Outcome: Sendable, Codable, Equatable {
        public var file: String
        public var rows: Int
        public var imported: Int
        /// Rows already in the store (the same grant imported before).
        public var alreadyThere: Int
        public var rejected: [Rejection]

        public var exitStatus: ExitStatus { rejected.isEmpty ? .success : .attentionNeeded }

        public var text: String {
            (["\(file): \(rows) rows: \(imported) imported, \(alreadyThere) already there, \(rejected.count) rejected"]
                + rejected.map { "  line \($0.line): \($0.reason)" }).joined(separator: "\n")
        }

        enum CodingKeys: String, CodingKey {
            case file, rows, imported, alreadyThere = "already_there", rejected
        }
    }

    /// The fields of a row, besides identities named after the data map's identities.
    static let fields: Set<String> = ["purpose", "channel", "text", "text_version", "collected_via", "granted_at",
                                      "confirmed_at", "valid_until", "pre_ticked", "withdrawn_at", "withdrawn_via"]

    public func run(_ url: URL, now: Date) throws -> Outcome {
        let rows = try Self.rows(of: url)
        let parser = installation.requestParser(now: now)
        var rejected: [Rejection] = []
        var valid: [(line: Int, record: ConsentRecord)] = []
        for (line, row) in rows {
            switch row.flatMap({ record($0, parser: parser, now: now) }) {
            case .success(let record): valid.append((line, record))
            case .failure(let problem): rejected.append(Rejection(line: line, reason: problem.reason))
            }
        }
        let stores = try installation.stores()
        guard let consents = stores.segments.first(where: { $0.map.consents != nil }) else {
            throw DSRError.configuration("the data map names no consents table ('consents:')")
        }
        let query = try ConsentQuery(map: consents.map, store: consents.store)
        var statements: [SQLStatement] = []
        // Kept in a store of their own, consents name the person by the value they are
        // linked by: a row that gives it is the evidence of whoever holds that address,
        // customer or not; a row that names a customer otherwise takes their stored value.
        var linkIdentity: String?
        if let link = consents.segment.link {
            guard case .identity(let name, _) = link, consents.segment.root == query.table.name else {
                throw DSRError.configuration("importing consents kept in another store needs the consents table itself linked by an identity")
            }
            linkIdentity = name
        }
        let needingSubjects = valid.filter { linkIdentity == nil || $0.record.identities[linkIdentity!] == nil }
        let primary = stores.segments[0]
        let probes = needingSubjects.map { DataSubjectRequest(id: "line-\($0.line)", type: .access, receivedAt: now,
                                                              identities: $0.record.identities, verification: nil, formats: [],
                                                              changes: [:], scope: nil, note: nil) }
        let resolutions = try SubjectResolver(store: primary.store, map: primary.map).resolve(probes)
        var linkValues: [StoreValue: String] = [:]
        if let linkIdentity, let identity = primary.map.identities[linkIdentity], let table = primary.map.table(named: identity.table) {
            let subjects = resolutions.values.compactMap { resolution -> StoreValue? in
                if case .found(let subject) = resolution { subject } else { nil }
            }
            try primary.store.forEachRow(of: table, columns: [identity.column], subjects: subjects, in: primary.map) { subject, values in
                if values[0] != .null { linkValues[subject] = identity.normalization.storedForm(values[0].canonicalText, phoneRegion: primary.map.phoneRegion) }
            }
        }
        for (line, record) in valid {
            if let linkIdentity, let value = record.identities[linkIdentity] {
                statements.append(try query.insert(record, subject: .text(value)))
                continue
            }
            switch resolutions["line-\(line)"] ?? .notFound {
            case .found(let subject):
                guard linkIdentity != nil else {
                    statements.append(try query.insert(record, subject: subject))
                    continue
                }
                guard let value = linkValues[subject] else {
                    rejected.append(Rejection(line: line, reason: "the person holds no \(linkIdentity!), which the consents' store knows people by"))
                    continue
                }
                statements.append(try query.insert(record, subject: .text(value)))
            case .notFound: rejected.append(Rejection(line: line, reason: "no one in the store matches the row's identities"))
            case .needsReview(let reason): rejected.append(Rejection(line: line, reason: "the identities do not name one person: \(reason)"))
            }
        }
        let inserted = try consents.store.execute(statements).reduce(0, +)
        let outcome = Outcome(file: url.path, rows: rows.count, imported: inserted, alreadyThere: statements.count - inserted,
                              rejected: rejected.sorted { $0.line < $1.line })
        try installation.ledger().recordConsentImport(file: url.lastPathComponent, imported: inserted, rejected: rejected.count, now: now)
        return outcome
    }

    /// The rows of a CSV file (a header row of field names) or a JSON/YAML list of objects,
    /// each as its line and its fields, or why the row cannot be read.
    static func rows(of url: URL) throws -> [(line: Int, fields: Result<[String: String], RowProblem>)] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw DSRError.missingInput("\(url.path): cannot be read") }
        do {
            if url.pathExtension.lowercased() == "csv" {
                guard let text = String(data: data, encoding: .utf8) else { throw DSRError.badInput("\(url.path): not valid UTF-8 text") }
                let records = try CSVRequestReader.parse(text, file: url.path)
                guard let header = records.first else { throw DSRError.badInput("\(url.path): file is empty") }
                let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
                return records.dropFirst().filter { !($0.fields.count == 1 && $0.fields[0].isEmpty) }.map { record in
                    guard record.fields.count == names.count else {
                        return (record.line, .failure("has \(record.fields.count) fields; the header has \(names.count)"))
                    }
                    return (record.line, .success(Dictionary(zip(names, record.fields.map { $0.trimmingCharacters(in: .whitespaces) }),
                                                             uniquingKeysWith: { first, _ in first })))
                }
            }
            let root = try DocumentNode.parse(data, file: url.path, isJSON: url.pathExtension.lowercased() == "json")
            return try root.list().map { element in
                do throws(InputProblem) {
                    var fields: [String: String] = [:]
                    for (key, value) in try element.entries() where !value.isNull {
                        fields[key] = try value.string().trimmingCharacters(in: .whitespaces)
                    }
                    return (element.location.line ?? 0, .success(fields))
                } catch {
                    return (element.location.line ?? 0, .failure(RowProblem(reason: error.reason)))
                }
            }
        } catch let problem as InputProblem {
            throw DSRError.badInput(problem.description)
        }
    }

    /// A row as a consent, or the reason it is no valid evidence of one.
    private func record(_ fields: [String: String], parser: RequestFileParser, now: Date) -> Result<ConsentRecord, RowProblem> {
        let map = installation.map
        if let unknown = fields.keys.sorted().first(where: { !Self.fields.contains($0) && map.identities[$0] == nil }) {
            return .failure("unknown field '\(unknown)'")
        }
        func value(_ name: String) -> String? { fields[name].flatMap { $0.isEmpty ? nil : $0 } }
        func time(_ name: String) -> Result<Date?, RowProblem> {
            guard let text = value(name) else { return .success(nil) }
            switch Timestamp.parse(text, localIn: installation.configuration.controller.timeZone) {
            case .success(let date): return date > now.addingTimeInterval(300) ? .failure("\(name) is in the future") : .success(date)
            case .failure(let error): return .failure("\(name) \(error.reason)")
            }
        }
        var identities: [String: String] = [:]
        for name in map.identities.keys.sorted() {
            guard let text = value(name) else { continue }
            switch parser.identity(name, text) {
            case .success(let normalized): identities[name] = normalized
            case .failure(let error): return .failure("\(name): \(error.reason)")
            }
        }
        guard !identities.isEmpty else { return .failure("names no person: give an identity (\(map.identities.keys.sorted().joined(separator: ", ")))") }
        switch value("pre_ticked")?.lowercased() {
        case "false", "no", "0": break
        case "true", "yes", "1": return .failure("a pre-ticked box is not consent (Art. 4(11), CJEU C-673/17 Planet49)")
        default: return .failure("pre_ticked must say whether the box was ticked in advance (false for an active opt-in)")
        }
        guard let purpose = value("purpose"), !["*", "all", "any"].contains(purpose.lowercased()) else {
            return .failure("a consent must name its purpose (one product or service), not all of them")
        }
        guard let channelText = value("channel")?.lowercased(), !["*", "all", "any"].contains(channelText) else {
            return .failure("a consent must name one channel (email, sms, phone or post), not all channels")
        }
        guard let channel = ConsentChannel(rawValue: channelText) else {
            return .failure("unknown channel; expected email, sms, phone or post")
        }
        guard let textVersion = value("text_version") else { return .failure("text_version is missing: which text was shown must be on record") }
        guard let text = value("text") else { return .failure("text is missing: the exact text shown must be on record") }
        guard let collectedVia = value("collected_via") else { return .failure("collected_via is missing: where (form, page) it was collected") }
        let grantedAt: Date
        switch time("granted_at") {
        case .success(let date?): grantedAt = date
        case .success(nil): return .failure("granted_at is missing")
        case .failure(let reason): return .failure(reason)
        }
        let confirmedAt: Date?
        switch time("confirmed_at") {
        case .success(let date): confirmedAt = date
        case .failure(let reason): return .failure(reason)
        }
        if channel.needsConsent && confirmedAt == nil {
            return .failure("no double opt-in confirmation (confirmed_at) for a consent by \(channel.rawValue)")
        }
        if let confirmedAt, confirmedAt < grantedAt { return .failure("confirmed_at is before granted_at") }
        guard let validText = value("valid_until") else { return .failure("valid_until is missing: a consent is given for a stated time") }
        guard let validUntil = CalendarDay(iso: validText), validText.count == 10 else { return .failure("valid_until must be a date, YYYY-MM-DD") }
        guard validUntil > CalendarDay(grantedAt, in: installation.configuration.controller.timeZone) else {
            return .failure("valid_until is not after granted_at")
        }
        let withdrawnAt: Date?
        switch time("withdrawn_at") {
        case .success(let date): withdrawnAt = date
        case .failure(let reason): return .failure(reason)
        }
        if let withdrawnAt, withdrawnAt < grantedAt { return .failure("withdrawn_at is before granted_at") }
        if withdrawnAt == nil && value("withdrawn_via") != nil { return .failure("withdrawn_via without withdrawn_at") }
        return .success(ConsentRecord(identities: identities, purpose: purpose, channel: channel, text: text, textVersion: textVersion,
                                      collectedVia: collectedVia, grantedAt: grantedAt, confirmedAt: confirmedAt, validUntil: validUntil,
                                      withdrawnAt: withdrawnAt, withdrawnVia: value("withdrawn_via")))
    }
}

/// Why one row of an import is no valid consent.
struct RowProblem: Error, ExpressibleByStringInterpolation {
    var reason: String

    init(reason: String) { self.reason = reason }
    init(stringLiteral value: String) { reason = value }
    init(stringInterpolation: DefaultStringInterpolation) { reason = String(stringInterpolation: stringInterpolation) }
}
