import DSRCore
import Foundation

/// A personal-data breach as the register keeps it (Art. 33(5)): the facts the DPO gave in
/// a breach file, in one version; later facts make a new version.
public struct Breach: Sendable, Codable, Equatable {
    public var id: String
    public var title: String
    /// When the controller became aware: starts the 72-hour clock.
    public var awareAt: Date
    public var occurredFrom: Date?
    /// Nil while the breach may still be going on.
    public var occurredTo: Date?
    public var types: [BreachType]
    public var description: String
    /// How the breach came to light (the authorities' forms ask).
    public var discoveredHow: String?
    public var cause: BreachCause
    /// What was affected, in data-map terms.
    public var scope: [BreachScopeEntry]
    /// Who the affected people are: customers, employees, children, …
    public var subjectCategories: [String]
    /// Art. 34(3)(a): the data was unintelligible to anyone without the key.
    public var dataEncrypted: Bool
    public var likelyConsequences: String
    public var measuresTaken: String
    public var measuresProposed: String
    /// What affected people can do themselves, for the Art. 34 letters.
    public var adviceToIndividuals: String?
    public var notifyAuthority: Bool
    /// Required when the authority is not notified (Art. 33(5) documentation).
    public var reasonNotNotified: String?
    /// Required when the initial notification is later than 72 hours (Art. 33(1)).
    public var reasonsForDelay: String?
    /// Other EU/EEA states whose people are affected (ISO 3166 codes), for cross-border cases.
    public var memberStatesAffected: [String]
    /// Police, banks, CERTs or others told about the breach.
    public var otherNotifications: String?
    /// The person filing the notification, if not the DPO.
    public var reporter: String?
    /// Whom the authority may contact about the breach, and how (the forms ask for a person).
    public var contactPerson: String? = nil
    /// Whether it was a cyber incident (an attack on or through IT systems), as the forms ask.
    public var cyberIncident: Bool? = nil
    /// Groups of vulnerable people among those affected (children above all).
    public var vulnerableGroups: [VulnerableGroup]? = nil
    /// The language the texts above are written in (`language:`); nil: the controller's
    /// default.
    public var language: Language? = nil
    /// The Art. 34(2) texts of the letters in other languages, by language code
    /// (`letters: {sv: {title: …, …}}`): a letter is in its reader's language or not written.
    public var translations: [String: LetterTexts]? = nil

    /// What a letter to the people tells in words of the officer's.
    public struct LetterTexts: Sendable, Codable, Equatable {
        public var title: String
        public var description: String
        public var likelyConsequences: String
        public var measuresTaken: String
        public var measuresProposed: String
        public var adviceToIndividuals: String?
    }

    /// The letter texts in `language`: the breach's own when written in it, else a
    /// translation, else nil.
    public func letterTexts(in language: Language, defaultLanguage: Language) -> LetterTexts? {
        if language == (self.language ?? defaultLanguage) {
            return LetterTexts(title: title, description: description, likelyConsequences: likelyConsequences,
                               measuresTaken: measuresTaken, measuresProposed: measuresProposed, adviceToIndividuals: adviceToIndividuals)
        }
        return translations?[language.rawValue]
    }

    /// 72 hours after awareness, as an instant: DST changes, weekends and holidays do not
    /// move it (Art. 33(1)).
    public var notificationDueAt: Date { awareAt.addingTimeInterval(72 * 3600) }

    /// Whether the breach may still be going on.
    public var isOngoing: Bool { occurredTo == nil }
}

/// The three kinds of breach the Article 29 Working Party's guidance names.
public enum BreachType: String, Sendable, Codable, CaseIterable {
    case confidentiality, integrity, availability
}

/// Vulnerable groups of data subjects the authorities' forms ask about.
public enum VulnerableGroup: String, Sendable, Codable, CaseIterable {
    case children, elderly, patients, employees
    case personsWithDisabilities = "persons-with-disabilities"
    case other
}

/// What caused the breach, as the authorities' forms sort it.
public enum BreachCause: String, Sendable, Codable, CaseIterable {
    case malicious, accidental, systemFailure = "system-failure", unknown
}

/// One part of a breach's scope: a mapped table, the columns involved, and which rows.
public struct BreachScopeEntry: Sendable, Codable, Equatable {
    public var table: String
    public var columns: [String]
    public var rows: Rows

    /// Which rows of the table are affected.
    public enum Rows: Sendable, Codable, Equatable {
        case all
        /// Rows where every condition holds.
        case matching([ColumnCondition])
        /// Rows of the people a file of identities names (CSV, a header of identity names).
        case identitiesFile(String)
    }
}

/// A condition on a mapped column of a scope's table.
public struct ColumnCondition: Sendable, Codable, Equatable {
    public var column: String
    public var test: Test

    public enum Test: Sendable, Codable, Equatable {
        /// The column holds one of the values.
        case oneOf([String])
        /// From (inclusive) to (inclusive; a date alone means the whole day).
        case range(from: String?, to: String?)
    }
}
