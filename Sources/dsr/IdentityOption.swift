import ArgumentParser
import DSRCore

/// `--identity name=value` options, shared by the commands that name a person.
enum IdentityOption {
    static let help = ArgumentHelp("An identity of the person as name=value, e.g. email=kari@example.no; repeatable.",
                                   valueName: "name=value")

    /// The identities by name; one named twice with different values is refused, since
    /// which of the two is meant cannot be told.
    static func pairs(_ options: [String]) throws -> [String: String] {
        var pairs: [String: String] = [:]
        for option in options {
            let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--identity takes name=value") }
            let name = String(parts[0])
            if let earlier = pairs[name], earlier != String(parts[1]) {
                throw ValidationError("--identity \(name) is given twice with different values")
            }
            pairs[name] = String(parts[1])
        }
        return pairs
    }
}
