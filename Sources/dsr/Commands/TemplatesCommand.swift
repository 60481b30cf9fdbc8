import ArgumentParser
import DSRKit
import Foundation

struct TemplatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates", abstract: "Works with the templates of the letters to people.",
        subcommands: [Export.self, Check.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes the shipped letter templates and phrases into a folder, to start an installation's own from.",
            discussion: """
                A file in the installation's templates folder (`templates/` beside the configuration, \
                or `templates:` in it) replaces the shipped file of the same path; a phrase file \
                replaces only the phrases it gives. Files already in DIR are left as they are.
                """)

        @Argument(help: "The folder to write into; created when missing.")
        var dir: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            try withExitStatus {
                let written = try LetterTemplates.exportShipped(to: URL(fileURLWithPath: dir, isDirectory: true))
                output.print(text: (written.map { "\(dir)/\($0)" } + ["\(written.count) file(s) written"]).joined(separator: "\n"),
                             ["written": written.map { "\(dir)/\($0)" }])
                return .success
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Renders every letter template in every language of the controller against sample letters; exits 78 naming each broken placeholder or missing phrase with its file and line.")

        @OptionGroup var output: OutputOptions
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try withExitStatus {
                let problems = try options.installation().letterTemplateProblems()
                output.print(text: (problems + [problems.isEmpty ? "letter templates render whole" : "\(problems.count) problem(s) in the letter templates"])
                                .joined(separator: "\n"),
                             ["problems": problems])
                return problems.isEmpty ? .success : .configuration
            }
        }
    }
}
