import Foundation

/// Writes a JSON document piece by piece, so memory stays flat however large it grows.
///
/// Hand-written: Foundation's encoders build the whole document in memory, and no package
/// on the machine's list streams JSON.
public final class JSONStreamWriter {
    private let output: FileOutput
    /// Per open container: whether it already has an element (so the next needs a comma).
    private var hasElements: [Bool] = []
    private var afterKey = false

    public init(output: FileOutput) {
        self.output = output
    }

    public func beginObject() throws { try open("{") }
    public func endObject() throws { try close("}") }
    public func beginArray() throws { try open("[") }
    public func endArray() throws { try close("]") }

    public func key(_ name: String) throws {
        try separate()
        try output.write(Self.quoted(name) + ": ")
        afterKey = true
    }

    public func string(_ value: String) throws { try scalar(Self.quoted(value)) }
    public func bool(_ value: Bool) throws { try scalar(value ? "true" : "false") }
    public func integer(_ value: Int64) throws { try scalar(String(value)) }
    public func null() throws { try scalar("null") }

    /// A finite number as JSON writes it; NaN and infinities, which JSON cannot hold, as null.
    public func number(_ value: Double) throws {
        try scalar(value.isFinite ? String(value) : "null")
    }

    /// `"name": "value"`.
    public func field(_ name: String, _ value: String) throws {
        try key(name)
        try string(value)
    }

    /// `"name": ["a", "b"]`.
    public func field(_ name: String, _ values: [String]) throws {
        try key(name)
        try beginArray()
        for value in values { try string(value) }
        try endArray()
    }

    /// Ends the document with a newline.
    public func finish() throws {
        precondition(hasElements.isEmpty, "unbalanced JSON document")
        try output.write("\n")
    }

    private func open(_ bracket: String) throws {
        try separate()
        try output.write(bracket)
        hasElements.append(false)
    }

    private func close(_ bracket: String) throws {
        let hadElements = hasElements.removeLast()
        try output.write(hadElements ? "\n" + indentation + bracket : bracket)
    }

    private func scalar(_ text: String) throws {
        try separate()
        try output.write(text)
    }

    /// Writes the comma and indentation before an element; nothing after a key.
    private func separate() throws {
        if afterKey {
            afterKey = false
            return
        }
        guard let last = hasElements.indices.last else { return }
        try output.write((hasElements[last] ? ",\n" : "\n") + indentation)
        hasElements[last] = true
    }

    private var indentation: String { String(repeating: "  ", count: hasElements.count) }

    static func quoted(_ text: String) -> String {
        // Most values need no escaping: check the bytes once and copy them whole.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 < 0xE2 }) {
            return "\"" + text + "\""
        }
        var result = "\""
        result.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
