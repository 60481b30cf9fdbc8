import Foundation

/// Where a PostgreSQL store is: `postgres://user@host:port/database` from the
/// configuration, and where its password comes from (an environment variable or a file,
/// never the URL or the command line).
public struct PostgresLocation: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var passwordSource: PasswordSource?
    public var tls: TLSMode = .prefer

    /// Whether the connection is encrypted.
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Never (a socket on the same machine).
        case disable
        /// When the server offers it, with its certificate verified; plain otherwise.
        case prefer
        /// Always, with the server's certificate verified against the system's roots.
        case require
    }

    public enum PasswordSource: Sendable, Equatable {
        case environment(String)
        case file(URL)
        /// A systemd credential (`LoadCredential=NAME:…`): the file NAME in
        /// `$CREDENTIALS_DIRECTORY`, readable by the service alone.
        case credential(String)
    }

    /// `user@host:port/database`, for messages: no password is ever part of it.
    public var displayName: String { "\(user)@\(host):\(port)/\(database)" }

    public init(host: String, port: Int, user: String, database: String, passwordSource: PasswordSource?) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.passwordSource = passwordSource
    }

    /// Reads a URL given on the command line, with the password in an environment
    /// variable; problems are usage errors (64).
    public init(url text: String, passwordEnvironment: String) throws {
        try self.init(url: text)
        passwordSource = .environment(passwordEnvironment)
    }

    /// Reads a URL given on the command line; problems are usage errors (64).
    public init(url text: String) throws {
        do {
            try self.init(url: text, node: DocumentNode(.scalar(text), line: nil, file: "--url"))
        } catch {
            throw DSRError(.usage, "--url: \(error.reason)")
        }
    }

    package init(url text: String, node: DocumentNode) throws(InputProblem) {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? ""),
              let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty else {
            throw node.problem("must be a URL like postgres://user@host:5432/database")
        }
        guard url.password == nil else {
            throw node.problem("holds a password; give it with password_env or password_file instead")
        }
        let database = String(url.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else { throw node.problem("must name the database: postgres://user@host:5432/database") }
        self.init(host: host, port: url.port ?? 5432, user: user, database: database, passwordSource: nil)
    }

    /// Reads the password; a missing variable or file is a configuration error (78).
    public func password() throws -> String? {
        switch passwordSource {
        case nil: return nil
        case .environment(let name)?:
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw DSRError.configuration("PostgreSQL store \(displayName): the environment variable \(name) (password_env) is not set")
            }
            return value
        case .file(let url)?:
            return try Self.passwordFile(url, named: "password_file \(url.path)", store: displayName)
        case .credential(let name)?:
            guard let folder = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"] else {
                throw DSRError.configuration("PostgreSQL store \(displayName): password_credential \(name) needs "
                                             + "$CREDENTIALS_DIRECTORY, which systemd sets for a unit with LoadCredential=\(name):FILE")
            }
            return try Self.passwordFile(URL(fileURLWithPath: folder).appendingPathComponent(name),
                                         named: "password_credential \(name)", store: displayName)
        }
    }

    private static func passwordFile(_ url: URL, named name: String, store: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw DSRError.configuration("PostgreSQL store \(store): \(name) cannot be read")
        }
        return text.trimmingCharacters(in: .newlines)
    }
}
