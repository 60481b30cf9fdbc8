import DSRCore
import Foundation

/// Replaces the HMAC key new references are made with (`dsr key rotate --new FILE`).
///
/// References already in the ledger cannot be made again with a new key (the people behind
/// erased references are gone), so the old keys stay: the ledger records the new key's
/// fingerprint (and the rotation in its audit trail), and the configuration's `hmac_keys:`
/// lists the new key first and every older key after it, which lookups keep trying.
///
/// Each step can be repeated: a rotation stopped between the ledger and the configuration
/// is finished by running the same command again.
public struct KeyRotation {
    /// What a rotation did.
    public struct Outcome: Sendable, Encodable {
        /// Whether a new random key was written to the file given.
        public var keyCreated: Bool
        /// The fingerprint (an HMAC of a fixed label) of the key now current.
        public var fingerprint: String
        /// The key files now listed, current first, as the configuration names them.
        public var keyFiles: [String]
        /// False when the key was already current: nothing changed.
        public var rotated: Bool

        public var text: String {
            guard rotated else { return "the key \(fingerprint.prefix(12))… is already the current key; nothing changed" }
            return (keyCreated ? "a new key was written; " : "")
                + "references are now made with the key \(fingerprint.prefix(12))…; hmac_keys lists "
                + keyFiles.joined(separator: ", ")
        }
    }

    public let configuration: Configuration
    /// Whom the audit trail names for the rotation.
    public let actor: String?

    public init(configuration: Configuration, actor: String?) {
        self.configuration = configuration
        self.actor = actor
    }

    /// Makes the key in `newKeyURL` the current one, writing a new random key there first
    /// when the file does not exist.
    public func rotate(to newKeyURL: URL, now: Date) throws -> Outcome {
        let newKeyURL = newKeyURL.standardizedFileURL
        let keyCreated = !FileManager.default.fileExists(atPath: newKeyURL.path)
        if keyCreated { try SubjectKeyring.createKeyFile(at: newKeyURL) }
        let fingerprint = try SubjectKeyring(contentsOf: newKeyURL).keyFingerprint
        let listed = try SubjectKeyring(contentsOf: configuration.hmacKeyURLs).keyFingerprints
        if listed.first == fingerprint {
            return Outcome(keyCreated: false, fingerprint: fingerprint, keyFiles: configuration.hmacKeyURLs.map(configured),
                           rotated: false)
        }
        guard !listed.contains(fingerprint) else {
            throw DSRError.badInput("\(newKeyURL.path): this key is already one of hmac_keys (an older key); rotate to a new key")
        }
        let ledger = try Ledger(url: configuration.ledgerURL, actor: actor)
        let known = try ledger.keyFingerprints()
        if known.isEmpty {
            try ledger.bind(keyFingerprints: listed, now: now)
        } else {
            // Only the new key may be unknown to the configuration (a rotation stopped before
            // the configuration was written); anything else is a key problem to fix first.
            guard Set(listed).isSubset(of: known), known.subtracting(listed).subtracting([fingerprint]).isEmpty else {
                // Binding the listed keys throws here, with the message naming the key that
                // does not fit; the second throw only satisfies the compiler.
                try ledger.bind(keyFingerprints: listed, now: now)
                throw DSRError.configuration("the configured keys do not fit the ledger's; nothing was done")
            }
        }
        try ledger.rotate(to: fingerprint, now: now)
        let keyFiles = [newKeyURL] + configuration.hmacKeyURLs
        try rewriteConfiguration(keyFiles: keyFiles)
        return Outcome(keyCreated: keyCreated, fingerprint: fingerprint, keyFiles: keyFiles.map(configured), rotated: true)
    }

    /// A key file's path as the configuration writes it: relative to the configuration's
    /// folder when inside it, else absolute.
    private func configured(_ url: URL) -> String {
        let folder = configuration.fileURL.deletingLastPathComponent().standardizedFileURL.path
        let path = url.standardizedFileURL.path
        return path.hasPrefix(folder + "/") ? String(path.dropFirst(folder.count + 1)) : path
    }

    /// Replaces the configuration's `hmac_key_file:` or `hmac_keys:` entry (the line and the
    /// lines of its block) with `hmac_keys:` listing `keyFiles`; the rest of the file, its
    /// comments included, stays as it was. The result is read back before it replaces the
    /// file; when the entry cannot be found or edited the error says what to write.
    private func rewriteConfiguration(keyFiles: [URL]) throws {
        let url = configuration.fileURL
        let entry = ["hmac_keys:  # the current key first; older keys stay for lookups (dsr key rotate)"]
            + keyFiles.map { "  - " + Self.quoted(configured($0)) }
        let instead = "the ledger now knows the new key; write this in \(url.path) instead of hmac_key_file or hmac_keys:\n"
            + entry.joined(separator: "\n")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw DSRError.machineFault("\(url.path): cannot read the configuration; \(instead)")
        }
        var lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("hmac_key_file:") || $0.hasPrefix("hmac_keys:") }) else {
            throw DSRError.configuration("\(url.path): no top-level hmac_key_file or hmac_keys line found; \(instead)")
        }
        var end = start + 1
        while end < lines.count, let first = lines[end].first, first == " " || first == "\t" || first == "-" { end += 1 }
        lines.replaceSubrange(start..<end, with: entry)
        let rewritten = Data(lines.joined(separator: "\n").utf8)
        let readBack = try? Configuration.parse(DocumentNode.parse(rewritten, file: url.path, isJSON: false), fileURL: url)
        guard readBack?.hmacKeyURLs.map(\.path) == keyFiles.map(\.path) else {
            throw DSRError.configuration("\(url.path): the key entry could not be edited safely; \(instead)")
        }
        var status = stat()
        let mode = stat(url.path, &status) == 0 ? status.st_mode & 0o777 : 0o600
        do {
            try DurableFile.write(rewritten, to: url)
        } catch {
            throw DSRError.machineFault("\(url.path): cannot write the configuration; \(instead)")
        }
        chmod(url.path, mode)
    }

    /// A YAML double-quoted scalar (JSON's string syntax is a subset of it).
    private static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
