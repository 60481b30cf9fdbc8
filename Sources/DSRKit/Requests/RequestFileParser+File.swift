import Foundation

extension RequestFileParser {
    /// Reads and validates one request file, naming it in problems by its file name.
    public func read(_ file: URL) -> Result<[DataSubjectRequest], RequestFileError> {
        let location = SourceLocation(file: file.lastPathComponent)
        guard RequestFileParser.extensions.contains(file.pathExtension.lowercased()) else {
            return .failure(RequestFileError(problems: [InputProblem(location, "unknown kind of file; request files end in .json, .yaml, .yml, .xml or .csv")]))
        }
        // The size is checked before reading, so a huge file costs nothing.
        var status = stat()
        if stat(file.path, &status) == 0, status.st_size > DocumentNode.maximumSize {
            return .failure(RequestFileError(problems: [InputProblem(location, "file is larger than \(DocumentNode.maximumSize) bytes")]))
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            return .failure(RequestFileError(problems: [InputProblem(location, "cannot be read")]))
        }
        return parse(data, file: file.path).mapError { error in
            // Name the file as the officer knows it, not by the inbox path.
            RequestFileError(problems: error.problems.map {
                InputProblem(SourceLocation(file: file.lastPathComponent, field: $0.location.field, line: $0.location.line), $0.reason)
            })
        }
    }
}
