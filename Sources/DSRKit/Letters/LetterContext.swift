import DSRCore
import Foundation
import Mustache

/// What a letter's template is rendered with: its values by name. A name a template asks
/// for that nothing holds (no section item, not the letter) is noted, so `dsr templates
/// check` can name the broken placeholder.
final class LetterContext: MustacheParent {
    private var values: [String: Any]
    let phrases: PhraseBook
    private(set) var missing: [String] = []
    /// The template of the letter's own part, which its format's layout renders as the
    /// partial `body` (a partial, not template inheritance: inheritance rebuilds the
    /// layout for every letter, which cost a night of 10,000 letters twice its time).
    var body = ""

    init(_ values: [String: Any], phrases: PhraseBook) {
        self.values = values
        self.phrases = phrases
        self.values["t"] = phrases
    }

    func child(named name: String) -> Any? {
        if let value = values[name] { return value }
        if name == "body" { return body }
        missing.append(name)
        return nil
    }
}

/// A language's phrases (`{{t.key}}`), noting the keys asked for and missing.
final class PhraseBook: MustacheParent {
    private let texts: [String: String]
    private(set) var missing: [String] = []

    init(_ texts: [String: String]) {
        self.texts = texts
    }

    func child(named name: String) -> Any? { self[name] }

    subscript(key: String) -> String? {
        if let text = texts[key] { return text }
        missing.append(key)
        return nil
    }

    /// The phrase, or its key where the language lacks it (the check names it).
    func text(_ key: String) -> String { self[key] ?? key }

    /// What a category of data is called to the person (`category_health`).
    func category(_ category: DataCategory) -> String {
        text("category_" + category.rawValue.replacingOccurrences(of: "-", with: "_"))
    }

    /// The categories a letter names: those certain, then those only possible (a free text
    /// may hold them), each told as possible.
    func categories(certain: Set<DataCategory>, possible: Set<DataCategory>) -> [String] {
        certain.sorted().map(category) + possible.subtracting(certain).sorted().map { text("category_possibly") + " " + category($0) }
    }

    /// A count with its noun in the right form: `noun_one` for 1, else `noun_other`
    /// ("1 rad", "3 rader"); the languages dsr ships have these two forms.
    func count(_ number: Int, _ noun: String) -> String {
        "\(number) " + text(number == 1 ? noun + "_one" : noun + "_other")
    }
}

/// Who a letter is to and about: what every letter says before its own part.
struct LetterHeading {
    var kind: LetterKind
    /// The request the letter answers; nil for a letter about a breach, which answers none.
    var header: AnswerHeader?
    var controller: Configuration.Controller
    var language: Language
    /// When the letter was written, for a letter that answers no request.
    var writtenAt = Date()
    /// The authority of the country the person lives in, when the store says.
    var residence: SupervisoryAuthorities.Authority? = nil

    /// The letter's language: the one the person asked for when the controller writes in
    /// it, else the controller's default.
    static func language(asked: Language?, controller: Configuration.Controller) -> Language {
        asked.flatMap { controller.languages.contains($0) ? $0 : nil } ?? controller.languages[0]
    }

    /// The language of every letter of a request, whichever run writes it: the one the
    /// ledger recorded at intake. The request's content as the ledger keeps it does not
    /// carry the language (its fingerprint predates it), so it is never read from there.
    static func language(of record: LedgerRequest, controller: Configuration.Controller) -> Language {
        language(asked: record.language, controller: controller)
    }

    /// The values of the letter's frame: title, introduction, the request's facts in the
    /// controller's time zone and the language's conventions, the controller, and the
    /// other languages the letter can be had in.
    func values(_ phrases: PhraseBook, templates: LetterTemplates) -> [String: Any] {
        let style = LetterStyle(language: language, zone: controller.timeZone)
        let topic = (kind == .changed ? header?.requestType.rawValue ?? kind.rawValue : kind.rawValue).replacingOccurrences(of: "-", with: "_")
        var controllerValues: [String: Any] = ["name": controller.name, "dpo_contact": controller.dpoContact,
                                               "authority": controller.supervisoryAuthority ?? ""]
        if let number = controller.organisationNumber { controllerValues["organisation_number"] = number }
        // Art. 77(1): the person may complain where they live; named when that is not where
        // the lead authority is, and the ICO only for a controller under UK GDPR.
        let local = residence.flatMap { authority -> [String: Any]? in
            guard authority.country != controller.country, !authority.ukGDPR || controller.ukGDPR else { return nil }
            return ["name": authority.name, "address": authority.address ?? false, "web": authority.web]
        }
        let others = controller.languages.filter { $0 != language }
        return [
            "lang": language.rawValue,
            "title": phrases.text("title_" + topic),
            "intro": phrases.text("intro_" + topic),
            "controller": controllerValues,
            "local_authority": local ?? false,
            "request": header.map { header -> Any in [
                "id": header.requestID,
                "type": phrases.text("type_" + header.requestType.rawValue.replacingOccurrences(of: "-", with: "_")),
                "received": style.dateTime(header.receivedAt),
                "due": CalendarDay(iso: header.dueDate).map(style.day) ?? header.dueDate,
                "written": style.dateTime(header.generatedAt),
                "also": header.alsoAnswers.isEmpty ? false : [
                    "ids": header.alsoAnswers.enumerated().map { ["id": $1, "last": $0 == header.alsoAnswers.count - 1] },
                ],
            ] } ?? false,
            "written": style.dateTime(header?.generatedAt ?? writtenAt),
            "has_other_languages": !others.isEmpty,
            "other_languages": others.enumerated().map { index, other in
                ["code": other.rawValue, "name": templates.phraseBook(other).text("language_name"), "last": index == others.count - 1]
            },
        ]
    }
}
