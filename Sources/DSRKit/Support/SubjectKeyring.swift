import Crypto
import Foundation

/// Keyed HMACs that stand for people in the ledger: stable for the same person, meaningless
/// without the key, which lives in its own file outside the ledger.
public struct SubjectKeyring {
    private let key: SymmetricKey

    /// The smallest key accepted, in bytes.
    public static let minimumKeySize = 32

    public init(key: SymmetricKey) {
        self.key = key
    }

    /// Reads the key file; it must hold at least 32 bytes and be readable by its owner only.
    public init(contentsOf url: URL) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let data = FileManager.default.contents(atPath: url.path) else {
            throw DSRError.configuration("\(url.path): HMAC key file not found or unreadable (hmac_key_file)")
        }
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw DSRError.configuration("\(url.path): HMAC key file is readable by others (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        guard data.count >= Self.minimumKeySize else {
            throw DSRError.configuration("\(url.path): HMAC key file holds \(data.count) bytes; at least \(Self.minimumKeySize) are needed")
        }
        self.init(key: SymmetricKey(data: data))
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

    /// A fingerprint of content that may hold personal data.
    public func fingerprint(_ data: Data) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: data, using: key)).hexString
    }

    private func hex(_ text: String) -> String { fingerprint(Data(text.utf8)) }
}

extension Data {
    /// Lower-case hexadecimal digits.
    public var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
