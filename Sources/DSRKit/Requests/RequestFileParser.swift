import DSRCore
import Foundation

/// Reads request files (JSON or YAML) into validated requests, collecting every problem in
/// a file rather than stopping at the first.
public struct RequestFileParser: Sendable {
    /// The data map, whose `phoneRegion` reads national phone numbers.
    public let map: DataMap
    /// Times after this are refused as received in the future.
    public let now: Date
    /// The live store's columns, to check a rectification's new values against their types
    /// when the file is read (nil: checked when the request is carried out).
    public let schema: StoreSchema?

    public init(map: DataMap, now: Date, schema: StoreSchema? = nil) {
        self.map = map
        self.now = now
        self.schema = schema
    }

    /// The file extensions dsr reads as request files.
    public static let extensions: Set<String> = ["json", "yaml", "yml", "xml", "csv"]

    /// Parses one request file's bytes: one request, or one per row of a CSV file. A file
    /// is taken whole or not at all, so every problem of every request is reported.
    public func parse(_ data: Data, file: String) -> Result<[DataSubjectRequest], RequestFileError> {
        let documents: [DocumentNode]
        do {
            documents = try Self.documents(data, file: file)
        } catch {
            return .failure(RequestFileError(problems: [error]))
        }
        var requests: [DataSubjectRequest] = []
        var problems: [InputProblem] = []
        var lineByID: [String: Int?] = [:]
        for document in documents {
            do {
                switch try request(from: document) {
                case .success(let request):
                    if let first = lineByID[request.id] {
                        problems.append(InputProblem(SourceLocation(file: file, field: "id", line: document.line),
                                                     "request id '\(request.id)' appears twice in this file" + (first.map { " (first on line \($0))" } ?? "")))
                    }
                    lineByID[request.id] = document.line
                    requests.append(request)
                case .failure(let error): problems += error.problems
                }
            } catch {
                problems.append(error)
            }
        }
        guard problems.isEmpty else { return .failure(RequestFileError(problems: problems)) }
        guard !requests.isEmpty else { return .failure(RequestFileError(problems: [InputProblem(SourceLocation(file: file), "holds no request")])) }
        return .success(requests)
    }

    /// The documents of a file, by its extension: YAML, JSON (dsr's or OpenDSR), XML, CSV.
    static func documents(_ data: Data, file: String) throws(InputProblem) -> [DocumentNode] {
        let whole = SourceLocation(file: file)
        guard data.count <= DocumentNode.maximumSize else {
            throw InputProblem(whole, "file is larger than \(DocumentNode.maximumSize) bytes")
        }
        switch URL(fileURLWithPath: file, isDirectory: false).pathExtension.lowercased() {
        case "xml":
            return [try XMLRequestReader.document(data, file: file)]
        case "csv":
            guard let text = String(data: data, encoding: .utf8) else { throw InputProblem(whole, "file is not valid UTF-8 text") }
            return try CSVRequestReader.documents(text, file: file)
        case "json":
            let document = try DocumentNode.parse(data, file: file, isJSON: true)
            return [OpenDSRReader.recognises(document) ? try OpenDSRReader.document(from: document) : document]
        default:
            return [try DocumentNode.parse(data, file: file, isJSON: false)]
        }
    }

    private func request(from root: DocumentNode) throws(InputProblem) -> Result<DataSubjectRequest, RequestFileError> {
        var problems: [InputProblem] = []
        func collect<T>(_ read: () throws(InputProblem) -> T) -> T? {
            do { return try read() } catch { problems.append(error); return nil }
        }
        let fields = try root.fields()

        let id = collect { () throws(InputProblem) in try Self.requestID(try fields.required("id")) }
        let typeNode = collect { () throws(InputProblem) in try fields.required("type") }
        let type = typeNode.flatMap { node in collect { () throws(InputProblem) in
            guard let type = RequestType(rawValue: try node.nonEmptyString()) else {
                throw node.problem("unknown request type; expected one of \(RequestType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return type
        } }
        let receivedAt = collect { () throws(InputProblem) in try timestamp(try fields.required("received_at")) }
        let identities = collect { () throws(InputProblem) in try subject(try fields.required("subject")) }
        let verification = collect { () throws(InputProblem) -> DataSubjectRequest.Verification? in
            guard let node = fields.optional("verification") else { return nil }
            let verificationFields = try node.fields()
            let result = DataSubjectRequest.Verification(
                method: try verificationFields.required("method").nonEmptyString(),
                verifiedAt: try timestamp(try verificationFields.required("verified_at")))
            try verificationFields.finish()
            return result
        } ?? nil
        let formats = collect { () throws(InputProblem) -> [OutputFormat] in
            guard let node = fields.optional("formats") else { return OutputFormat.allCases }
            var formats: [OutputFormat] = []
            for element in try node.list() {
                guard let format = OutputFormat(rawValue: try element.nonEmptyString().lowercased()) else {
                    throw element.problem("unknown format; expected json or xml")
                }
                if !formats.contains(format) { formats.append(format) }
            }
            guard !formats.isEmpty else { throw node.problem("must name at least one format") }
            return formats
        }
        let changes = collect { () throws(InputProblem) -> [String: String] in
            guard let node = fields.optional("changes") else { return [:] }
            var changes: [String: String] = [:]
            for (key, value) in try node.entries() {
                guard changes[key] == nil else { throw value.problem("is given more than once") }
                changes[key] = try change(key, value)
            }
            return changes
        }
        let scope = collect { () throws(InputProblem) -> DataSubjectRequest.Scope? in
            guard let node = fields.optional("scope") else { return nil }
            let scopeFields = try node.fields()
            let scope = DataSubjectRequest.Scope(purposes: try scopeFields.optional("purposes")?.stringList() ?? [],
                                                 channels: try scopeFields.optional("channels")?.stringList() ?? [])
            try scopeFields.finish()
            return scope
        } ?? nil
        let note = collect { () throws(InputProblem) in try fields.optional("note")?.string() } ?? nil
        let language = collect { () throws(InputProblem) in
            try fields.optional("language").map { node throws(InputProblem) in try Language.parse(node) }
        } ?? nil
        _ = collect { () throws(InputProblem) in try fields.finish() }

        if let type, let typeNode, let reason = unsupportedReason(type) {
            problems.append(typeNode.problem(reason))
        }
        if let type, let typeNode, let changes {
            if type == .rectification && changes.isEmpty {
                problems.append(typeNode.problem("a rectification needs 'changes'"))
            } else if type != .rectification && !changes.isEmpty {
                problems.append(typeNode.problem("'changes' belongs only to a rectification"))
            }
        }
        if let verification, let receivedAt, verification.verifiedAt < receivedAt.addingTimeInterval(-366 * 86_400) {
            problems.append(InputProblem(SourceLocation(file: root.file, field: "verification.verified_at"),
                                         "is more than a year before the request was received"))
        }
        guard problems.isEmpty, let id, let type, let receivedAt, let identities, let formats, let changes else {
            return .failure(RequestFileError(problems: problems))
        }
        return .success(DataSubjectRequest(id: id, type: type, receivedAt: receivedAt, identities: identities,
                                           verification: verification, formats: formats, changes: changes,
                                           scope: scope, note: note, language: language))
    }

    static func requestID(_ node: DocumentNode) throws(InputProblem) -> String {
        let id = try node.string()
        let allowed = id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        guard (1...64).contains(id.utf8.count), allowed, let first = id.unicodeScalars.first,
              CharacterSet.alphanumerics.contains(first) else {
            throw node.problem("must be 1–64 characters of A–Z, a–z, 0–9, '.', '_', '-', starting with a letter or digit")
        }
        return id
    }

    private func timestamp(_ node: DocumentNode) throws(InputProblem) -> Date {
        guard let date = Timestamp.parse(try node.nonEmptyString()) else {
            throw node.problem("must be an ISO 8601 date and time with a UTC offset, e.g. 2026-11-20T09:15:00+01:00")
        }
        guard date <= now.addingTimeInterval(300) else { throw node.problem("is in the future") }
        return date
    }

    /// Why this installation cannot carry out requests of a type, if it cannot: better
    /// refused now, with the reason, than failing three nights and going to review.
    private func unsupportedReason(_ type: RequestType) -> String? {
        switch type {
        case .restriction where !map.tables.contains(where: { $0.restrictionFlag != nil }):
            return "the data map names no restriction_flag, so processing cannot be restricted; ask the data map's owner to add one"
        case .objection where map.consents == nil, .consentWithdrawal where map.consents == nil:
            return "the data map names no consents table, so there is no marketing consent to withdraw or object to"
        default:
            return nil
        }
    }

    /// A rectification's new value for `table.column`: a column the data map marks
    /// rectifiable, fitting the live column's type, and normalised like the identity it is.
    private func change(_ target: String, _ node: DocumentNode) throws(InputProblem) -> String {
        let value = try node.string()
        guard let qualified = QualifiedColumn(target), let table = map.table(named: qualified.table),
              let mapped = table.column(named: qualified.column) else {
            throw node.problem("must name a mapped column as table.column")
        }
        let column = mapped.name
        if let identity = map.identities.values.first(where: { $0.table == table.name && $0.column == column }) {
            guard identity.rectifiable else {
                throw node.problem("is the identity '\(identity.name)' used for matching; the data map does not allow rectifying it")
            }
            switch identity.normalization.normalize(value, defaultPhoneRegion: map.phoneRegion, today: CalendarDay(now, in: .gmt)) {
            case .success(let normalized): return normalized
            case .failure(let error): throw node.problem(error.reason)
            }
        }
        guard mapped.rectifiable else {
            throw node.problem("the data map does not mark this column rectifiable (keys, references and records the law says to keep are never rectified)")
        }
        let declared = schema?.tables[table.name]?.column(named: column)?.declaredType
        // A column of days (a date type, or a text column the map formats as dates) is
        // written as its days are held, ISO 8601, however the request spells the day.
        if mapped.format == .date || declared.map({ ColumnTypeFamily(declaredType: $0) == .date }) == true {
            guard let day = Self.day(value) else {
                throw node.problem("must be a date, such as 1990-12-31 or 31.12.1990 (the column holds days)")
            }
            return day.description
        }
        if let declared, !ColumnTypeFamily(declaredType: declared).accepts(value) {
            throw node.problem("the new value does not fit the column's type \(declared)")
        }
        return value
    }

    /// A day as people write it: `1990-12-31`, or day first as in Norway and Sweden and
    /// most of Europe (`31.12.1990`, `31/12/1990`, `31-12-1990`, one-digit day and month too).
    static func day(_ text: String) -> CalendarDay? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.count == 10, trimmed.dropFirst(4).first == "-", let day = CalendarDay(iso: trimmed) { return day }
        let parts = trimmed.split(whereSeparator: { ".-/".contains($0) }).map(String.init)
        guard parts.count == 3, parts[2].count == 4, (1...2).contains(parts[0].count), (1...2).contains(parts[1].count),
              let day = Int(parts[0]), let month = Int(parts[1]), let year = Int(parts[2]),
              (1...12).contains(month), (1...CalendarDay.days(inMonth: month, year: year)).contains(day) else { return nil }
        return CalendarDay(year: year, month: month, day: day)
    }

    /// The normalised value of an identity the data map names, or why it cannot be one.
    public func identity(_ name: String, _ value: String) -> Result<String, IdentityValueError> {
        guard let identity = map.identities[name] else {
            return .failure(IdentityValueError(reason: "the data map has no identity '\(name)'; it knows \(map.identities.keys.sorted().joined(separator: ", "))"))
        }
        return identity.normalization.normalize(value, defaultPhoneRegion: map.phoneRegion, today: CalendarDay(now, in: .gmt))
    }

    private func subject(_ node: DocumentNode) throws(InputProblem) -> [String: String] {
        var identities: [String: String] = [:]
        for (name, valueNode) in try node.entries() {
            switch identity(name, try valueNode.string()) {
            case .success(let value):
                // Two values for one identity could name two people: refused, never guessed.
                if let earlier = identities[name], earlier != value {
                    throw valueNode.problem("the identity '\(name)' is given twice with different values")
                }
                identities[name] = value
            case .failure(let error): throw valueNode.problem(error.reason)
            }
        }
        guard !identities.isEmpty else { throw node.problem("must name at least one identity") }
        return identities
    }
}

/// Everything wrong with one request file.
public struct RequestFileError: Error, Sendable, CustomStringConvertible {
    public var problems: [InputProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
