/// An error dsr reports to its user: a message that names the file and field, and the exit
/// status that says what kind of problem it is.
///
/// Messages never contain personal data: they name files, fields, lines and reasons, not
/// the values found there.
public struct DSRError: Error, CustomStringConvertible, Sendable {
    /// What kind of problem this is; decides the exit status.
    public var status: ExitStatus
    /// The human-readable message.
    public var message: String
    /// Whether the machine caused it (a full disk, a lost connection), not the request: the
    /// request waits untouched, consumes no attempt, and the run stops with 74.
    public var isMachineFault = false

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A fault of the machine: 74, or the status given (73 for a folder dsr cannot write).
    package static func machineFault(_ message: String, status: ExitStatus = .ioError) -> DSRError {
        var error = DSRError(status, message)
        error.isMachineFault = true
        return error
    }

    public var description: String { message }

    package static func configuration(_ message: String) -> DSRError { DSRError(.configuration, message) }
    package static func badInput(_ message: String) -> DSRError { DSRError(.dataError, message) }
    package static func missingInput(_ message: String) -> DSRError { DSRError(.noInput, message) }
    package static func cannotCreate(_ message: String) -> DSRError { DSRError(.cannotCreate, message) }
    package static func io(_ message: String) -> DSRError { DSRError(.ioError, message) }
}
