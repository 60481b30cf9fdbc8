import Foundation

/// Writes a JSON document piece by piece, so memory stays flat however large it grows.
///
/// Hand-written: Foundation's encoders build the whole document in memory, and no package
/// on the machine's list streams JSON.
public final class JSONStreamWriter {
    private let output: FileOutput
    /// Two spaces per level and a line per element, or nothing between tokens.
    private let indented: Bool
    /// Per open container: whether it already has an element (so the next needs a comma).
    private var hasElements: [Bool] = []
    private var afterKey = false

    public init(output: FileOutput, indented: Bool = true) {
        self.output = output
        self.indented = indented
    }

    public func beginObject() throws { try open("{") }
    public func endObject() throws { try close("}") }
    public func beginArray() throws { try open("[") }
    public func endArray() throws { try close("]") }

    public func key(_ name: String) throws {
        try separate()
        try writeQuoted(name)
        try output.write(indented ? ": " : ":" as StaticString)
        afterKey = true
    }

    public func string(_ value: String) throws {
        try separate()
        try writeQuoted(value)
    }

    public func bool(_ value: Bool) throws {
        try separate()
        try output.write(value ? "true" : "false" as StaticString)
    }

    public func integer(_ value: Int64) throws { try scalar(String(value)) }

    public func null() throws {
        try separate()
        try output.write("null" as StaticString)
    }

    /// A finite number as JSON writes it; NaN and infinities, which JSON cannot hold, as null.
    public func number(_ value: Double) throws {
        try scalar(value.isFinite ? String(value) : "null")
    }

    /// An exact decimal, its digits as the store printed them (`5.00` stays `5.00`).
    public func decimal(_ digits: String) throws {
        try scalar(digits)
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

    /// Writes the first members of the object just opened as `write` writes them, rendered
    /// once per `key` and depth into `cache` and copied after that: answers repeat the same
    /// description of each table for every person.
    package func members(cachedAs key: String, in cache: JSONFragmentCache, _ write: (JSONStreamWriter) throws -> Void) throws {
        precondition(hasElements.last == false && !afterKey, "cached members go first in a new object")
        let cacheKey = JSONFragmentCache.Key(depth: hasElements.count, name: key)
        let fragment: JSONFragmentCache.Fragment
        if let cached = cache.fragments[cacheKey] {
            fragment = cached
        } else {
            let memory = FileOutput.inMemory()
            let renderer = JSONStreamWriter(output: memory, indented: indented)
            renderer.hasElements = hasElements
            try write(renderer)
            precondition(renderer.hasElements.count == hasElements.count && !renderer.afterKey, "cached members must be whole")
            try memory.close(syncing: false)
            fragment = (memory.collected ?? [], renderer.hasElements.last!)
            cache.fragments[cacheKey] = fragment
        }
        try fragment.bytes.withUnsafeBytes { try output.write($0) }
        hasElements[hasElements.count - 1] = fragment.wroteMembers
    }

    /// Ends the document with a newline.
    public func finish() throws {
        precondition(hasElements.isEmpty, "unbalanced JSON document")
        try output.write("\n")
    }

    private func open(_ bracket: StaticString) throws {
        try separate()
        try output.write(bracket)
        hasElements.append(false)
    }

    private func close(_ bracket: StaticString) throws {
        if hasElements.removeLast() && indented {
            try output.write("\n" as StaticString)
            try writeIndentation()
        }
        try output.write(bracket)
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
        if indented {
            try output.write(hasElements[last] ? ",\n" : "\n" as StaticString)
            try writeIndentation()
        } else if hasElements[last] {
            try output.write("," as StaticString)
        }
        hasElements[last] = true
    }

    /// Two spaces per open container, copied from one line of spaces: the writer runs for
    /// every value of every answer, so it makes no strings of its own where it can help it.
    private func writeIndentation() throws {
        var remaining = hasElements.count * 2
        while remaining > 0 {
            let count = min(remaining, Self.spaces.count)
            try Self.spaces.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            remaining -= count
        }
    }

    private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 64)

    /// Writes a string in quotes, its bytes copied whole when nothing in it needs escaping.
    private func writeQuoted(_ text: String) throws {
        var text = text
        let plain = text.withUTF8 { bytes in bytes.allSatisfy(Self.needsNoEscape) }
        guard plain else { return try output.write(Self.quoted(text)) }
        try output.write("\"" as StaticString)
        try text.withUTF8 { try output.write(UnsafeRawBufferPointer($0)) }
        try output.write("\"" as StaticString)
    }

    /// Below 0xE2 no UTF-8 byte starts U+2028 or U+2029, which some JSON readers refuse raw.
    private static func needsNoEscape(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte < 0xE2
    }

    package static func quoted(_ text: String) -> String {
        // Most values need no escaping: check the bytes once and copy them whole.
        if text.utf8.allSatisfy(needsNoEscape) {
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

/// Pieces of JSON rendered once and copied into many documents; used by one thread.
package final class JSONFragmentCache {
    fileprivate struct Key: Hashable {
        var depth: Int
        var name: String
    }

    fileprivate typealias Fragment = (bytes: [UInt8], wroteMembers: Bool)

    fileprivate var fragments: [Key: Fragment] = [:]

    package init() {}
}
