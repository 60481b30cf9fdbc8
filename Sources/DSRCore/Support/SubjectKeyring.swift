import Crypto
import Foundation
import Synchronization

/// Keyed HMACs that stand for people in the ledger: stable for the same person, meaningless
/// without the key, which lives in its own file outside the ledger.
///
/// After a rotation (`hmac_keys:`) the keyring holds the current key and the older ones: new
/// references are made with the current key, and lookups of what the ledger already holds
/// (erased people, suppressions, legal holds, earlier requests) try every key, since a
/// reference made with an older key cannot be made again with the new one.
public struct SubjectKeyring: Sendable {
    /// The HMACs with the keys already absorbed, the current key first: each reference
    /// copies one and adds its text, instead of setting the key up again (eligibility lists
    /// compute millions).
    private let keyed: KeyedHashes

    /// The smallest key accepted, in bytes.
    public static let minimumKeySize = 32

    /// A keyring of the current key and, for lookups only, older ones.
    public init(key: SymmetricKey, older: [SymmetricKey] = []) {
        keyed = KeyedHashes(keys: [key] + older)
    }

    /// Reads one key file as the only key.
    public init(contentsOf url: URL) throws {
        try self.init(contentsOf: [url])
    }

    /// Reads key files, the current key first; each must hold at least 32 bytes and be
    /// readable by its owner only.
    public init(contentsOf urls: [URL]) throws {
        let keys = try urls.map(Self.readKey)
        guard let current = keys.first else { throw DSRError.configuration("no HMAC key file given (hmac_keys)") }
        self.init(key: current, older: Array(keys.dropFirst()))
    }

    /// A key file's key. A symbolic link (how Kubernetes and Docker mount secrets) is judged
    /// by the mode of the file it leads to.
    private static func readKey(at url: URL) throws -> SymmetricKey {
        var status = stat()
        guard stat(url.path, &status) == 0, let data = FileManager.default.contents(atPath: url.path) else {
            throw DSRError.configuration("\(url.path): HMAC key file not found or unreadable (hmac_key_file, hmac_keys)")
        }
        let mode = Int(status.st_mode) & 0o777
        if mode & 0o077 != 0 {
            throw DSRError.configuration("\(url.path): HMAC key file is readable by others (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        guard data.count >= Self.minimumKeySize else {
            throw DSRError.configuration("\(url.path): HMAC key file holds \(data.count) bytes; at least \(Self.minimumKeySize) are needed")
        }
        return SymmetricKey(data: data)
    }

    /// Writes a new random key file (mode 0600); refuses to replace an existing one, since
    /// every reference in the ledger depends on it.
    public static func createKeyFile(at url: URL) throws {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        try DurableFile.write(bytes, to: url, replacing: false)
    }

    /// The reference for a subject: HMAC-SHA256 over a domain label and the subject key.
    public func subjectReference(table: String, key: StoreValue) -> String {
        hex("subject\u{0}\(table)\u{0}\(key.canonicalText)")
    }

    /// The subject's reference under every key, the current one first: what a lookup of
    /// references the ledger already holds must try.
    public func subjectReferences(table: String, key: StoreValue) -> [String] {
        hexes("subject\u{0}\(table)\u{0}\(key.canonicalText)")
    }

    /// The reference for a person's normalised identity (`email`, `kari@example.no`), as
    /// the suppression list keeps it: a later import can be checked without dsr keeping
    /// who it was.
    public func identityReference(name: String, value: String) -> String {
        hex("identity\u{0}\(name)\u{0}\(value)")
    }

    /// The identity's reference under every key, the current one first.
    public func identityReferences(name: String, value: String) -> [String] {
        hexes("identity\u{0}\(name)\u{0}\(value)")
    }

    /// What identifies the key without revealing it: an HMAC of a fixed label. The ledger
    /// records it, so a ledger is never used with another key by mistake.
    public var keyFingerprint: String { keyFingerprints[0] }

    /// Every key's fingerprint, the current key's first.
    public var keyFingerprints: [String] { fingerprints(Data("dsr key fingerprint".utf8)) }

    /// The reference the ledger keeps for a request file's name (`file-` and 16 hex digits).
    public func fileReference(_ name: String) -> String {
        "file-" + hex("file\u{0}\(name)").prefix(16)
    }

    /// Whether a recorded file name is already a reference (`file-` and 16 hex digits).
    public static func isFileReference(_ name: String) -> Bool {
        name.utf8.count == 21 && name.hasPrefix("file-") && name.dropFirst(5).allSatisfy(\.isHexDigit)
    }

    /// A fingerprint of content that may hold personal data, made with the current key.
    public func fingerprint(_ data: Data) -> String {
        keyed.fingerprint(data, withKeyAt: 0)
    }

    /// The content's fingerprint under every key, the current one first.
    public func fingerprints(_ data: Data) -> [String] {
        (0..<keyed.count).map { keyed.fingerprint(data, withKeyAt: $0) }
    }

    /// The prefix of every pseudonym dsr writes.
    public static let pseudonymPrefix = "pse_"
    /// The length of a pseudonym: the prefix and 32 hex digits (128 bits of the HMAC).
    public static let pseudonymLength = 36

    /// The stand-in for a value erased by `pseudonymise`: the same value always gives the
    /// same pseudonym (joins on it keep working), and a pseudonym is left as it is, so
    /// erasing twice changes nothing.
    public func pseudonym(_ value: String) -> String {
        if Self.isPseudonym(value) { return value }
        return Self.pseudonymPrefix + hex("pseudonym\u{0}\(value)").prefix(32)
    }

    public static func isPseudonym(_ value: String) -> Bool {
        value.count == pseudonymLength && value.hasPrefix(pseudonymPrefix)
    }

    private func hex(_ text: String) -> String { fingerprint(Data(text.utf8)) }
    private func hexes(_ text: String) -> [String] { fingerprints(Data(text.utf8)) }
}

/// HMACs with their keys absorbed, shared by the copies of a keyring and the threads that
/// use them. swift-crypto does not declare `HMAC` `Sendable`, so each is used under a lock:
/// a fingerprint copies one and hashes its text there (a few hundred nanoseconds).
private final class KeyedHashes: Sendable {
    private let hashes: Mutex<[HMAC<SHA256>]>
    let count: Int

    init(keys: [SymmetricKey]) {
        // Built from copies of the key bytes, so the lock holds the only reference to them.
        let keyBytes = keys.map { $0.withUnsafeBytes { Array($0) } }
        hashes = Mutex(keyBytes.map { HMAC<SHA256>(key: SymmetricKey(data: $0)) })
        count = keys.count
    }

    func fingerprint(_ data: Data, withKeyAt index: Int) -> String {
        hashes.withLock { hashes in
            var hmac = hashes[index]
            hmac.update(data: data)
            return Data(hmac.finalize()).hexString
        }
    }
}

extension Data {
    /// Lower-case hexadecimal digits.
    public var hexString: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: count * 2) { buffer in
            for (index, byte) in enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            return count * 2
        }
    }
}
