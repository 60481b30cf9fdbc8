/// Where in an input file something is: the file, the dotted path of the field, and the line.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var field: String?
    public var line: Int?

    public init(file: String, field: String? = nil, line: Int? = nil) {
        self.file = file
        self.field = field
        self.line = line
    }

    public var description: String {
        var text = file.escapedForDisplay
        if let line { text += ":\(line)" }
        if let field, !field.isEmpty { text += ": field '\(field)'" }
        return text
    }
}

/// A problem in an input file, located by file, field and line.
public struct InputProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var reason: String

    public init(_ location: SourceLocation, _ reason: String) {
        self.location = location
        self.reason = reason
    }

    public var description: String { "\(location): \(reason)" }
}
