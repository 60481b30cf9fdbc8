import Foundation

/// Reads CSV (RFC 4180: quotes, doubled quotes, line breaks inside quotes, CRLF, LF or CR
/// line ends) from bytes fed to it in blocks of any size, calling back with each record and
/// the line it starts on: request files are read whole, breach identities files a block at
/// a time, so memory stays bounded by the longest record.
///
/// Hand-written: dsr names the line of every bad record, which the CSV packages on the
/// machine's list do not report, and none reads a stream in blocks.
package struct CSVStream {
    /// Why a stream cannot be read, with the line; never the content.
    package struct Problem: Error {
        package var line: Int
        package var reason: String
    }

    /// The longest record read (a file that is not CSV, say one long binary line, stops here).
    package let maximumRecordBytes: Int
    private var line = 1
    private var recordLine = 1
    private var recordBytes = 0
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var inQuotes = false
    private var quoteInQuotes = false
    private var afterCR = false

    package init(maximumRecordBytes: Int = 1 << 20) {
        self.maximumRecordBytes = maximumRecordBytes
    }

    /// Reads the next block; `emit` gets every record it completes.
    package mutating func feed<Bytes: Sequence>(_ bytes: Bytes, _ emit: (_ line: Int, _ fields: [String]) throws -> Void) throws
    where Bytes.Element == UInt8 {
        for byte in bytes {
            let crBefore = afterCR
            afterCR = false
            recordBytes += 1
            guard recordBytes <= maximumRecordBytes else {
                throw Problem(line: recordLine, reason: "a record is longer than \(maximumRecordBytes) bytes; is this a CSV file?")
            }
            if inQuotes {
                if quoteInQuotes {
                    quoteInQuotes = false
                    if byte == UInt8(ascii: "\"") { field.append(byte); continue }
                    inQuotes = false  // the quote closed the field: read this byte as unquoted
                } else {
                    if byte == UInt8(ascii: "\"") { quoteInQuotes = true; continue }
                    if byte == 0x0D || (byte == 0x0A && !crBefore) { line += 1 }
                    afterCR = byte == 0x0D
                    field.append(byte)
                    continue
                }
            }
            switch byte {
            case UInt8(ascii: "\"") where field.isEmpty:
                inQuotes = true
            case UInt8(ascii: ","):
                try endField()
            case 0x0A where crBefore:
                recordBytes = 0  // the LF of a CRLF: the record already ended at the CR
            case 0x0A, 0x0D:
                try endField()
                try emit(recordLine, fields)
                fields = []
                line += 1
                recordLine = line
                recordBytes = 0
                afterCR = byte == 0x0D
            default:
                field.append(byte)
            }
        }
    }

    /// Ends the stream: the last record without a line end, or the problem of an open quote.
    package mutating func finish(_ emit: (_ line: Int, _ fields: [String]) throws -> Void) throws {
        if inQuotes && !quoteInQuotes { throw Problem(line: recordLine, reason: "a quoted field is not closed") }
        guard !field.isEmpty || !fields.isEmpty || quoteInQuotes else { return }
        inQuotes = false
        quoteInQuotes = false
        try endField()
        try emit(recordLine, fields)
        fields = []
    }

    private mutating func endField() throws {
        guard let text = String(bytes: field, encoding: .utf8) else {
            throw Problem(line: recordLine, reason: "holds bytes that are not UTF-8 text")
        }
        fields.append(text)
        field.removeAll(keepingCapacity: true)
    }
}
