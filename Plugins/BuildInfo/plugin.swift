import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` before every build of the `dsr` target: the package version
/// (the `VERSION` file) and the git commit the build is made from, for `dsr --version`.
/// The file is rewritten only when its text changes, so an unchanged tree rebuilds nothing.
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("generated", isDirectory: true)
        let script = """
            set -eu
            root="$1"; folder="$2"
            version="$(tr -d ' \\n' < "$root/VERSION")"
            commit="$(git -C "$root" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)"
            mkdir -p "$folder"
            text="/// Written by the BuildInfo plugin; not in the repository.
            enum BuildInfo {
                static let version = \\"$version\\"
                static let commit = \\"$commit\\"
            }"
            if [ ! -f "$folder/BuildInfo.swift" ] || [ "$(cat "$folder/BuildInfo.swift")" != "$text" ]; then
              printf '%s\\n' "$text" > "$folder/BuildInfo.swift"
            fi
            """
        return [.prebuildCommand(displayName: "dsr build info (version and commit)",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: output)]
    }
}
