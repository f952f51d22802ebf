import Foundation
import FLTensor
import FLScript

/// Every front end's interpreter: all builtins; `SessionContext.freshInterpreter` wires it to the session.
func makeInterpreter(_ context: SessionContext) -> Interpreter { FLSession.makeInterpreter() }

/// A subcommand of `flnb`: what it is called, its usage and options, declared once and read by
/// the dispatcher, `flnb --help`, the command's own `--help` and its usage errors.
protocol Subcommand {
    /// The word after `flnb`.
    static var name: String { get }
    /// What follows `flnb NAME`, one line per form.
    static var usage: [String] { get }
    /// One line for `flnb --help`.
    static var summary: String { get }
    /// What the command's own help says first (default: the summary).
    static var about: String { get }
    /// The options its scanner accepts (listed by the default help).
    static var options: [Option] { get }
    /// What the default help says after the options: details, examples, exit codes.
    static var details: String { get }
    /// The whole `flnb NAME --help` text.
    static var help: String { get }
    /// Runs the command; a mistake or failure is thrown as a `CommandError`.
    static func run(_ arguments: [String]) throws -> Int32
}

extension Subcommand {
    static var about: String { summary }
    static var options: [Option] { [] }
    static var details: String { "" }
    static var usageLines: String {
        usage.enumerated().map { ($0.offset == 0 ? "usage: " : "       ") + "flnb \(name) \($0.element)" }.joined(separator: "\n")
    }
    static var help: String {
        [usageLines, about, Option.table(options), details].filter { !$0.isEmpty }.joined(separator: "\n\n")
    }
}

enum FlnbCommand {
    /// Every subcommand, in the order `flnb --help` lists them.
    static let commands: [Subcommand.Type] = [NotebookCommand.self, TrainCommand.self, SweepCommand.self, BenchCommand.self, DataCommand.self,
                                              KernelCommand.self, ConvertCommand.self, DebugCommand.self]

    static var help: String {
        var lines = ["flnb \(flnbVersion) — a notebook-style REPL for continual-learning research (Flashback Learning)", "", "Usage:",
                     "  flnb                         open the interactive prompt"]
        for command in commands {
            lines += command.usage.map { "  flnb \(command.name) \($0)" }
            lines.append(String(repeating: " ", count: 31) + command.summary)
        }
        lines += ["  flnb --version               version, the GEMM path (FLNB_ISA) and the OpenBLAS kernels in use",
                  "  flnb --help                  this text; flnb COMMAND --help for a command's options", "",
                  "Exit codes: 0 ok, 1 check failed, 64 usage error, 65 script error, 66 input file missing, 70 runtime error, 73 cannot write."]
        return lines.joined(separator: "\n")
    }

    static func versionText() -> String {
        let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
        let how = forced.map { "OPENBLAS_CORETYPE=\($0)" } ?? "detected by OpenBLAS"
        return "flnb \(flnbVersion)\n\(GEMMPath.description); CPU: \(CPUInfo.modelName)\nOpenBLAS core: \(BLASInfo.coreName) (\(how)); threads: \(Parallel.threads)\n\(BLASInfo.config)"
    }

    static func main(_ args: [String]) -> Int32 {
        guard let first = args.first else { return ReplSession(version: flnbVersion, makeInterpreter: makeInterpreter).run() }
        switch first {
        case "--version", "-V", "version":
            print(versionText())
            return ExitStatus.ok
        case "--help", "-h", "help":
            print(help)
            return ExitStatus.ok
        default:
            if let command = commands.first(where: { $0.name == first }) { return run(command, Array(args.dropFirst())) }
            if first.hasSuffix(".flnb") { return run(NotebookCommand.self, args) }
            Console.error("flnb: unknown command '\(first)'" + didYouMean(first, among: commands.map { $0.name }) + "\nSee flnb --help.\n")
            return ExitStatus.usage
        }
    }

    /// Runs `command`: its help for `--help` or `-h`, and any `CommandError` it throws on standard
    /// error with its exit status.
    static func run(_ command: Subcommand.Type, _ arguments: [String]) -> Int32 {
        if arguments.prefix(while: { $0 != "--" }).contains(where: { $0 == "--help" || $0 == "-h" }) {
            Console.out(command.help + "\n")
            return ExitStatus.ok
        }
        do {
            return try command.run(arguments)
        } catch let error as CommandError {
            let usage = error.status == ExitStatus.usage ? "\(command.usageLines)\nSee flnb \(command.name) --help.\n" : ""
            Console.error("flnb \(command.name): \(error.message)\n" + usage)
            return error.status
        } catch {
            Console.error("flnb \(command.name): \(error)\n")
            return ExitStatus.runtimeError
        }
    }
}
