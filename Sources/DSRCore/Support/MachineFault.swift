import Foundation
import GRDB

/// Tells a fault of the machine (a full disk, an I/O error, a lost or refused connection, a
/// database another process holds) from a fault of the request or of dsr: only the first
/// leaves the request waiting untouched and stops the run with 74, so the next run after
/// the fix finishes the work without a person.
public enum MachineFault {
    /// SQLite's primary result codes that say the machine failed, not the statement.
    package static let sqliteCodes: Set<Int32> = [
        5, // BUSY
        6, // LOCKED
        7, // NOMEM
        8, // READONLY
        10, // IOERR
        13, // FULL
        14, // CANTOPEN
        15, // PROTOCOL
    ]

    /// POSIX errors of dsr's own files that say the machine failed.
    package static let errnoCodes: Set<Int32> = [ENOSPC, EDQUOT, EIO, EROFS, EACCES, EPERM, EMFILE, ENFILE, ENOMEM]

    /// Whether a SQLite error is the machine's.
    public static func isMachineFault(_ error: DatabaseError) -> Bool {
        sqliteCodes.contains(error.resultCode.primaryResultCode.rawValue)
    }

    /// Whether a PostgreSQL SQLSTATE is the machine's: connection exceptions (08),
    /// insufficient resources such as a full disk (53), operator intervention such as a
    /// shutdown (57), system errors (58).
    public static func isMachineFault(sqlState: String) -> Bool {
        ["08", "53", "57", "58"].contains(String(sqlState.prefix(2)))
    }

    /// The error as a machine fault, if it is one.
    public static func of(_ error: Error) -> DSRError? {
        if let error = error as? DSRError { return error.isMachineFault ? error : nil }
        if let error = error as? DatabaseError, isMachineFault(error) {
            return DSRError.machineFault("SQLite error \(error.resultCode.rawValue): \(error.message ?? "unknown")")
        }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain, errnoCodes.contains(Int32(nsError.code)) {
            return DSRError.machineFault(String(cString: strerror(Int32(nsError.code))))
        }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           errnoCodes.contains(Int32(underlying.code)) {
            return DSRError.machineFault(String(cString: strerror(Int32(underlying.code))))
        }
        return nil
    }
}
