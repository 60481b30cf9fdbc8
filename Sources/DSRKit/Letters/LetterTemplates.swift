import DSRCore
import Foundation
import Mustache

/// The templates and phrases letters to people are written from: the shipped ones, each
/// replaced by a file of the same path in the installation's templates folder, and each
/// phrase by the same key in the installation's phrase file of its language.
///
/// Templates are Mustache (logic-less: a privacy officer can edit them without
/// programming); values are HTML-escaped in the HTML letters by the library.
public struct LetterTemplates: Sendable {
    private let library: MustacheLibrary
    /// Per language, phrase key → text.
    private let phrases: [Language: [String: String]]
    /// Each template's text by name (`html_access`), and the file it came from, for problems.
    private let sources: [String: (file: String, text: String)]
    /// The supervisory authorities letters name, by country.
    let authorities: SupervisoryAuthorities

    /// The shipped templates and phrases, in the package's resources.
    public static var shippedFolder: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Letters", isDirectory: true)
    }

    /// The shipped files, by path relative to the templates folder.
    static func shippedFiles() throws -> [String] {
        let root = shippedFolder
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { item in
            let url = item as! URL
            guard ["mustache", "yaml"].contains(url.pathExtension) else { return nil }
            return String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
        }.sorted()
    }

    /// Loads the shipped templates with the installation's overrides from `overrides` (a
    /// folder that need not exist). A template that cannot be parsed is a configuration
    /// error naming its file and line.
    public static func load(overrides: URL) throws -> LetterTemplates {
        var library = MustacheLibrary()
        var sources: [String: (file: String, text: String)] = [:]
        var phrases: [Language: [String: String]] = [:]
        var authorities: SupervisoryAuthorities?
        for path in try shippedFiles() {
            let override = overrides.appendingPathComponent(path, isDirectory: false)
            let shipped = shippedFolder.appendingPathComponent(path, isDirectory: false)
            let overridden = FileManager.default.fileExists(atPath: override.path)
            if path == Self.authoritiesFile {
                authorities = try SupervisoryAuthorities.load(overridden ? override : shipped)
                continue
            }
            if path.hasPrefix("phrases/") {
                guard let language = Language(rawValue: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent) else { continue }
                var book = try phraseFile(shipped)
                if overridden { book.merge(try phraseFile(override)) { _, installed in installed } }
                phrases[language] = book
                continue
            }
            let file = overridden ? override : shipped
            let text = try read(file)
            // `html/access.mustache` is `html_access`: a partial's name cannot hold a slash.
            let name = String(path.dropLast(".mustache".count)).replacingOccurrences(of: "/", with: "_")
            do {
                library.register(try MustacheTemplate(string: text), named: name)
            } catch let error as MustacheTemplate.ParserError {
                throw DSRError.configuration("\(file.path):\(error.context.lineNumber): the template cannot be read (\(error.error))")
            }
            sources[name] = (file.path, text)
        }
        guard let authorities else { throw DSRError.configuration("\(shippedFolder.path)/\(authoritiesFile): missing") }
        return LetterTemplates(library: library, phrases: phrases, sources: sources, authorities: authorities)
    }

    /// The list of supervisory authorities, beside the templates.
    static let authoritiesFile = "authorities.yaml"

    private static func read(_ file: URL) throws -> String {
        guard let data = FileManager.default.contents(atPath: file.path), let text = String(data: data, encoding: .utf8) else {
            throw DSRError.configuration("\(file.path): cannot be read as UTF-8 text")
        }
        return text
    }

    /// A phrase file: a mapping of keys to texts.
    static func phraseFile(_ file: URL) throws -> [String: String] {
        do {
            var book: [String: String] = [:]
            for (key, node) in try DocumentNode.load(contentsOf: file).entries() { book[key] = try node.string() }
            return book
        } catch let problem as InputProblem {
            throw DSRError.configuration(problem.description)
        }
    }

    /// The phrases of `language`, recording the keys a letter asks for and it lacks.
    func phraseBook(_ language: Language) -> PhraseBook { PhraseBook(phrases[language] ?? [:]) }

    /// A letter rendered in one format.
    func render(_ kind: LetterKind, _ format: LetterFormat, _ context: LetterContext) -> String {
        context.body = "\(format.rawValue)_\(kind.rawValue)"
        return library.render(context, withTemplate: "\(format.rawValue)_layout") ?? ""
    }

    /// Writes the shipped templates and phrases into `folder` to start an installation's
    /// own from; returns the paths written. Files already there are left as they are.
    public static func exportShipped(to folder: URL) throws -> [String] {
        var written: [String] = []
        for path in try shippedFiles() {
            let target = folder.appendingPathComponent(path, isDirectory: false)
            guard !FileManager.default.fileExists(atPath: target.path) else { continue }
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: shippedFolder.appendingPathComponent(path, isDirectory: false), to: target)
            written.append(path)
        }
        return written
    }
}

/// The letters dsr writes, by template name.
enum LetterKind: String, CaseIterable, Sendable {
    case access, export
    /// A request for which no personal data was found.
    case noData = "no-data"
    /// Erasure, rectification, restriction, objection, consent withdrawal: from the receipt.
    case changed
    /// Art. 12(3): the answer takes up to two more months, and why.
    case `extension`
    /// Art. 12(4): the request is not carried out, why, and the remedies.
    case refusal
    /// The request was closed without being carried out.
    case cancellation
    /// What identity verification needs before anything is disclosed or changed.
    case verification
    /// Art. 34: a personal data breach likely to put the person's rights at high risk.
    case breach
    /// Art. 18(3): a restriction is to be lifted, from when, and why.
    case restrictionLift = "restriction-lift"
}

extension LetterKind {
    /// The letter of a request whose person was found.
    init(for type: RequestType) {
        switch type {
        case .access: self = .access
        case .export: self = .export
        case .erasure, .rectification, .restriction, .objection, .consentWithdrawal: self = .changed
        }
    }
}

/// The two renderings of a letter: a page to read or print, and an email body.
enum LetterFormat: String, CaseIterable, Sendable {
    case html, txt
}

extension LetterTemplates {
    /// Every problem of the templates in `languages`, rendered against sample letters: a
    /// placeholder that names nothing (with the file and line it is on), a phrase a
    /// language lacks, and a data-map label given in some languages but not this one.
    /// Empty when every letter renders whole.
    func problems(languages: [Language], map: DataMap, controller: Configuration.Controller) -> [String] {
        var problems: [String] = []
        for language in languages {
            for kind in LetterKind.allCases {
                for format in LetterFormat.allCases {
                    let context = LetterContext.sample(kind, language: language, map: map, controller: controller, templates: self)
                    _ = render(kind, format, context)
                    let template = "\(format.rawValue)_\(kind.rawValue)"
                    for name in Set(context.missing).sorted() {
                        problems.append("\(place(of: name, in: template)): placeholder '\(name)' names nothing a letter holds")
                    }
                    for key in Set(context.phrases.missing).sorted() {
                        problems.append("\(place(of: "t.\(key)", in: template)): phrase '\(key)' is missing in language \(language.rawValue)")
                    }
                }
            }
        }
        // A text given per language must be given in each the controller writes in (a plain
        // text serves them all).
        for language in languages {
            func check(_ text: Labels?, _ field: String) {
                guard let text, !text.texts.isEmpty, text[language] == nil else { return }
                problems.append("data map: \(field): no text in language \(language.rawValue)")
            }
            check(map.facts.rights, "facts.rights")
            check(map.facts.complaint, "facts.complaint")
            check(map.facts.automatedDecisions, "facts.automated_decisions")
            for table in map.tables {
                let field = "tables.\(table.name)"
                check(table.label, "\(field).label")
                check(table.description, "\(field).description")
                check(table.legalBasis, "\(field).legal_basis")
                check(table.retention, "\(field).retention")
                check(table.source, "\(field).source")
                check(table.kept?.reason, "\(field).kept.reason")
                check(table.kept?.until, "\(field).kept.until")
                for (index, purpose) in table.purposes.enumerated() { check(purpose, "\(field).purposes[\(index)]") }
                for (index, transfer) in table.transfers.enumerated() { check(transfer, "\(field).transfers[\(index)]") }
                for column in table.columns { check(column.label, "\(field).columns.\(column.name).label") }
            }
        }
        var seen = Set<String>()
        return problems.filter { seen.insert($0).inserted }
    }

    /// `file:line` of the first tag naming `name` in the template or the layout it fills.
    private func place(of name: String, in template: String) -> String {
        let layout = template.split(separator: "_")[0] + "_layout"
        for candidate in [template, String(layout)] {
            guard let source = sources[candidate] else { continue }
            for (number, line) in source.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.range(of: #"\{\{[#^/&{]?\s*"# + NSRegularExpression.escapedPattern(for: name) + #"\s*\}"#,
                             options: .regularExpression) != nil {
                return "\(source.file):\(number + 1)"
            }
        }
        return sources[template]?.file ?? template
    }
}
