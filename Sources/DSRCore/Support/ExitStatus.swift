/// The process exit statuses of dsr, from sysexits.h, that scripts and cron rely on.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Everything was done.
    case success = 0
    /// The run finished, but some requests failed, need review, or some input was rejected.
    case attentionNeeded = 1
    /// The command line was wrong.
    case usage = 64
    /// An input file's content was wrong.
    case dataError = 65
    /// An input file does not exist or cannot be read.
    case noInput = 66
    /// An error nothing expected: a defect of dsr (EX_SOFTWARE).
    case software = 70
    /// An output file or folder cannot be created.
    case cannotCreate = 73
    /// Reading or writing failed.
    case ioError = 74
    /// Another run holds the lock; try again later.
    case temporaryFailure = 75
    /// The configuration (config file, data map, store) is wrong.
    case configuration = 78
}
