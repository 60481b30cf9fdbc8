import DSRCore
import Foundation

extension RequestFileParser {
    /// Reads and validates one request file, naming it in problems by its file name.
    ///
    /// - Parameter followingLinks: false for the inbox, where a symbolic link is never
    ///   followed (the listing leaves links out; this closes the gap of one swapped in since).
    ///   Anything but a regular file is refused without reading it, so a FIFO cannot block.
    public func read(_ file: URL, followingLinks: Bool = true) -> Result<[DataSubjectRequest], RequestFileError> {
        let location = SourceLocation(file: file.lastPathComponent)
        guard RequestFileParser.extensions.contains(file.pathExtension.lowercased()) else {
            return .failure(RequestFileError(problems: [InputProblem(location, "unknown kind of file; request files end in .json, .yaml, .yml, .xml or .csv")]))
        }
        let data: Data
        switch Self.contents(of: file, followingLinks: followingLinks, location: location) {
        case .success(let contents): data = contents
        case .failure(let problem): return .failure(RequestFileError(problems: [problem]))
        }
        return parse(data, file: file.path).mapError { error in
            // Name the file as the officer knows it, not by the inbox path.
            RequestFileError(problems: error.problems.map {
                InputProblem(SourceLocation(file: file.lastPathComponent, field: $0.location.field, line: $0.location.line), $0.reason)
            })
        }
    }

    /// The bytes of a regular file of at most `DocumentNode.maximumSize` bytes, or why not.
    /// The size is checked on the open file before reading, so a huge file costs nothing.
    static func contents(of file: URL, followingLinks: Bool, location: SourceLocation) -> Result<Data, InputProblem> {
        let descriptor = open(file.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (followingLinks ? 0 : O_NOFOLLOW))
        guard descriptor >= 0 else { return .failure(InputProblem(location, "cannot be read")) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            return .failure(InputProblem(location, "is not a regular file"))
        }
        guard status.st_size <= DocumentNode.maximumSize else {
            return .failure(InputProblem(location, "file is larger than \(DocumentNode.maximumSize) bytes"))
        }
        do {
            return .success(try handle.readToEnd() ?? Data())
        } catch {
            return .failure(InputProblem(location, "cannot be read"))
        }
    }
}
