import DSRCore
import Foundation

extension DataSubjectRequest {
    /// The request as the ledger keeps and fingerprints it: JSON with sorted keys, byte for
    /// byte as `JSONEncoder` with `.sortedKeys` writes it (fingerprints already in ledgers
    /// must keep matching). Requests whose text is plain ASCII and whose times are whole
    /// seconds, nearly all of them, are written directly; a `JSONEncoder` per request was a
    /// quarter of parsing a night's request files. The others go through `JSONEncoder`.
    func ledgerContent() throws -> Data {
        if let plain = plainLedgerContent() { return plain }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(self)
    }

    private func plainLedgerContent() -> Data? {
        var json = "{"
        func string(_ text: String) -> Bool {
            guard text.utf8.allSatisfy(Self.isPlain) else { return false }
            json += "\"" + text + "\""
            return true
        }
        func strings(_ texts: [String]) -> Bool {
            json += "["
            for (index, text) in texts.enumerated() {
                if index > 0 { json += "," }
                guard string(text) else { return false }
            }
            json += "]"
            return true
        }
        func dictionary(_ entries: [String: String]) -> Bool {
            json += "{"
            for (index, key) in entries.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if index > 0 { json += "," }
                guard string(key) else { return false }
                json += ":"
                guard string(entries[key]!) else { return false }
            }
            json += "}"
            return true
        }
        func time(_ date: Date) -> Bool {
            // `Date` encodes its seconds since 2001 as a Double; whole ones print as integers.
            let seconds = date.timeIntervalSinceReferenceDate
            guard seconds == seconds.rounded(), abs(seconds) < 1e15, seconds != 0 || seconds.sign == .plus else { return false }
            json += String(Int64(seconds))
            return true
        }
        json += "\"changes\":"
        guard dictionary(changes) else { return nil }
        json += ",\"formats\":"
        guard strings(formats.map(\.rawValue)) else { return nil }
        json += ",\"id\":"
        guard string(id) else { return nil }
        json += ",\"identities\":"
        guard dictionary(identities) else { return nil }
        if let note {
            json += ",\"note\":"
            guard string(note) else { return nil }
        }
        json += ",\"receivedAt\":"
        guard time(receivedAt) else { return nil }
        if let scope {
            json += ",\"scope\":{\"channels\":"
            guard strings(scope.channels) else { return nil }
            json += ",\"purposes\":"
            guard strings(scope.purposes) else { return nil }
            json += "}"
        }
        json += ",\"type\":"
        guard string(type.rawValue) else { return nil }
        if let verification {
            json += ",\"verification\":{\"method\":"
            guard string(verification.method) else { return nil }
            json += ",\"verifiedAt\":"
            guard time(verification.verifiedAt) else { return nil }
            json += "}"
        }
        json += "}"
        return Data(json.utf8)
    }

    /// Printable ASCII that `JSONEncoder` copies as it is (it escapes `/`).
    private static func isPlain(_ byte: UInt8) -> Bool {
        (0x20...0x7E).contains(byte) && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "/")
    }
}
