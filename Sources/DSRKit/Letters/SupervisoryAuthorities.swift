import DSRCore
import Foundation

/// The supervisory authorities letters name, by country (`Letters/authorities.yaml`, which
/// an installation may override): a letter names the authority of the country the person
/// lives in beside the controller's lead one (Art. 77(1)), and a country's languages choose
/// the language of a letter no request asked one for.
public struct SupervisoryAuthorities: Sendable {
    /// One country's authority.
    public struct Authority: Sendable, Equatable {
        /// ISO 3166-1 alpha-2.
        public var country: String
        public var name: String
        public var address: String?
        public var web: String
        /// The letter languages of the country, in order of preference.
        public var languages: [Language]
        /// Whether it supervises UK GDPR rather than the GDPR.
        public var ukGDPR: Bool
    }

    private let byCountry: [String: Authority]
    /// Every spelling a store may hold (code and names), folded, to its country code.
    private let codeBySpelling: [String: String]

    /// The authority of the country a store value names (`NO`, `no`, `Norge`, `Sverige`),
    /// or nil for a country the list does not hold.
    public func authority(ofCountry stored: String) -> Authority? {
        codeBySpelling[Self.fold(stored)].flatMap { byCountry[$0] }
    }

    public func authority(code: String) -> Authority? { byCountry[code.uppercased()] }

    private static func fold(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines).folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }

    /// Reads the list; a broken file is a configuration error naming it.
    static func load(_ file: URL) throws -> SupervisoryAuthorities {
        do {
            var byCountry: [String: Authority] = [:]
            var codeBySpelling: [String: String] = [:]
            for (code, node) in try DocumentNode.load(contentsOf: file).entries() {
                guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                    throw node.problem("'\(code)' is not an ISO 3166-1 alpha-2 country code")
                }
                let fields = try node.fields()
                let authority = Authority(
                    country: code, name: try fields.required("authority").nonEmptyString(),
                    address: try fields.optional("address")?.nonEmptyString(), web: try fields.required("web").nonEmptyString(),
                    languages: try fields.optional("languages")?.list().map { node throws(InputProblem) in try Language.parse(node) } ?? [],
                    ukGDPR: try fields.optional("regime")?.nonEmptyString() == "uk-gdpr")
                for name in try fields.optional("names")?.stringList() ?? [] { codeBySpelling[fold(name)] = code }
                try fields.finish()
                byCountry[code] = authority
                codeBySpelling[fold(code)] = code
            }
            return SupervisoryAuthorities(byCountry: byCountry, codeBySpelling: codeBySpelling)
        } catch let problem as InputProblem {
            throw DSRError.configuration(problem.description)
        }
    }
}

extension LetterHeading {
    /// The language of a letter no request chose a language for: the person's language
    /// from the store, else their country's first language the controller writes in, else
    /// the controller's default.
    static func language(stored: String?, residence: SupervisoryAuthorities.Authority?,
                         controller: Configuration.Controller) -> Language {
        // `sv`, `sv-SE`, `sv_SE`, `no` (Norwegian: Bokmål).
        let code = stored.map { String($0.lowercased().prefix { $0.isLetter }) }
        let asked = code.flatMap { $0 == "no" ? Language.nb : Language(rawValue: $0) }
        return language(asked: asked ?? residence?.languages.first { controller.languages.contains($0) }, controller: controller)
    }
}
