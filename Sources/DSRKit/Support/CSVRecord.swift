/// CSV output as RFC 4180 writes it: every field quoted, quotes doubled, line breaks kept
/// inside the quotes, records ended by CRLF. (Hand-written: a few lines, and no package on
/// the machine's list writes CSV as a stream.)
enum CSVRecord {
    static func field(_ text: String) -> String {
        // Most fields hold no quote: checked on the bytes, they are copied whole.
        guard text.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + text + "\"" }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}
