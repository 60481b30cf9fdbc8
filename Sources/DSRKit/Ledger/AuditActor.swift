import DSRCore
import Foundation

/// Who a command acts as in the audit trail.
public enum AuditActor {
    /// The actor of runs started by cron or systemd: the shipped crontab and units set
    /// `DSR_ACTOR` to it, since neither leaves a mark a process could trust.
    public static let scheduler = "scheduler"

    /// `--actor`, else `$DSR_ACTOR`, else the person behind sudo (`$SUDO_USER`), else the
    /// login name of the process's user.
    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let explicit { return try checked(explicit, source: "--actor") }
        if let named = environment["DSR_ACTOR"] { return try checked(named, source: "DSR_ACTOR") }
        if let sudoUser = environment["SUDO_USER"], !sudoUser.isEmpty { return try checked(sudoUser, source: "SUDO_USER") }
        return loginName(environment: environment)
    }

    /// The name of the process's user: the password database's, which cron and systemd
    /// runs have too (getlogin needs a terminal).
    private static func loginName(environment: [String: String]) -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return environment["USER"] ?? environment["LOGNAME"] ?? "uid \(geteuid())"
    }

    /// An actor name is one line of at most 64 printable characters: it is shown in every
    /// audit listing and covered by the hash chain.
    private static func checked(_ name: String, source: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 64,
              !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw DSRError(.usage, "\(source): an actor is a name of 1 to 64 printable characters on one line")
        }
        return trimmed
    }
}
