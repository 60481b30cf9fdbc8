/// CSV output as RFC 4180 writes it: every field quoted, quotes doubled, line breaks kept
/// inside the quotes, records ended by CRLF. (Hand-written: a few lines, and no package on
/// the machine's list writes CSV as a stream.)
///
/// Every CSV dsr writes goes through here, so no value becomes a spreadsheet formula: a
/// field starting with `=`, `+`, `-`, `@`, a tab or a carriage return (what Excel, Calc and
/// Sheets take for a formula, OWASP's "CSV injection") gets a leading `'`, which the
/// spreadsheet shows as text. A phone number `+4791234567` is written `'+4791234567`.
package enum CSVRecord {
    package static func field(_ text: String) -> String {
        let text = neutralised(text)
        // Most fields hold no quote: checked on the bytes, they are copied whole.
        guard text.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + text + "\"" }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The text with a leading `'` when a spreadsheet would read it as a formula.
    package static func neutralised(_ text: String) -> String {
        guard let first = text.utf8.first, "=+-@\t\r".utf8.contains(first) else { return text }
        return "'" + text
    }

    package static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}
