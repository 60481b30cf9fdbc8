import Foundation

/// A language dsr writes letters in, by its ISO 639-1 code.
public enum Language: String, Sendable, CaseIterable, Codable {
    /// Norwegian Bokmål.
    case nb
    case sv
    case en

    /// The locale whose conventions dates, times and numbers follow.
    public var locale: Locale {
        switch self {
        case .nb: return Locale(identifier: "nb_NO")
        case .sv: return Locale(identifier: "sv_SE")
        case .en: return Locale(identifier: "en_GB")
        }
    }

    /// The language read from a document, or the problem naming the languages dsr has.
    package static func parse(_ node: DocumentNode) throws(InputProblem) -> Language {
        guard let language = Language(rawValue: try node.nonEmptyString().lowercased()) else {
            throw node.problem("unknown language; expected one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return language
    }
}

/// A text in several languages; a language without one falls back to the text given for
/// all (a plain string in the data map), else to the caller's default.
public struct Labels: Sendable, Equatable {
    public var texts: [Language: String]
    /// The text for every language the map gives none for (`retention: 5 years`).
    public var anyLanguage: String?

    public init(_ texts: [Language: String] = [:], anyLanguage: String? = nil) {
        self.texts = texts
        self.anyLanguage = anyLanguage
    }

    /// The text in `language`, or nil.
    public subscript(language: Language) -> String? { texts[language] ?? anyLanguage }

    /// The text for a reader whose language is unknown (documents for machines, the
    /// ledger): the plain text, else the first language's.
    public var anyText: String {
        anyLanguage ?? Language.allCases.lazy.compactMap { texts[$0] }.first ?? ""
    }

    /// The text in `language`, else the text for any reader.
    public func text(_ language: Language) -> String { self[language] ?? anyText }

    /// The languages of `offered` the text has nothing for.
    public func missing(_ offered: [Language]) -> [Language] {
        offered.filter { self[$0] == nil }
    }

    /// `{nb: E-postadresse, sv: E-postadress, en: Email address}`.
    package static func parse(_ node: DocumentNode) throws(InputProblem) -> Labels {
        var texts: [Language: String] = [:]
        for (key, value) in try node.entries() {
            guard let language = Language(rawValue: key) else {
                throw value.problem("unknown language; expected one of \(Language.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            texts[language] = try value.nonEmptyString()
        }
        return Labels(texts)
    }

    /// A list of texts, each plain or per language.
    package static func parseTexts(_ node: DocumentNode) throws(InputProblem) -> [Labels] {
        var texts: [Labels] = []
        for element in try node.list() { texts.append(try parseText(element)) }
        return texts
    }

    /// A text given once for all languages (a plain string) or per language (a mapping).
    package static func parseText(_ node: DocumentNode) throws(InputProblem) -> Labels {
        guard (try? node.entries()) != nil else { return Labels(anyLanguage: try node.nonEmptyString()) }
        return try parse(node)
    }
}
