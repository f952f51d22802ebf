import Foundation
import FLTensor
import FLScript
import FLCore

/// Every front end's interpreter: all builtins; `SessionContext.freshInterpreter` wires it to the session.
func makeInterpreter(_ context: SessionContext) -> Interpreter { FLSession.makeInterpreter() }

enum FlnbCommand {
    static let help = """
    flnb \(flnbVersion) — a notebook-style REPL for continual-learning research (Flashback Learning)

    Usage:
      flnb                         open the interactive prompt
      flnb run [--check|--update] FILE.flnb
                                   execute a notebook (check or rewrite its recorded outputs)
      flnb train --run original|flashback --model NAME --dataset NAME [flags]
                                   the reference implementation's command line
      flnb sweep NOTEBOOK --param NAME=V1,V2,… [--jobs N] [--out FILE] [--slurm DIR [--submit]]
                                   run a notebook (or --train "FLAGS") over a parameter grid; one table of results
      flnb bench [--only NAME] [--threads N] [--seconds S] [--json]
                                   training/eval throughput and GEMM speed
      flnb data list | get NAME    datasets: what is present, fetch one
      flnb kernel install [--user | --prefix DIR | --sys-prefix]
                                   register flnb as a Jupyter kernel ("FLScript (flnb)")
      flnb kernel -f CONNECTION_FILE
                                   serve as a Jupyter kernel (Jupyter starts it so; see flnb kernel --help)
      flnb convert FILE --to ipynb|flnb [--out FILE]
                                   a notebook to Jupyter's .ipynb format and back
      flnb --version               version, the GEMM path (FLNB_ISA) and the OpenBLAS kernels in use
      flnb --help                  this text

    Exit codes: 0 ok, 1 check failed, 64 usage error, 65 script error, 66 input file missing, 70 runtime error.
    """

    static func versionText() -> String {
        let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
        let how = forced.map { "OPENBLAS_CORETYPE=\($0)" } ?? "detected by OpenBLAS"
        return "flnb \(flnbVersion)\n\(GEMMPath.description); CPU: \(CPUInfo.modelName)\nOpenBLAS core: \(BLASInfo.coreName) (\(how)); threads: \(Parallel.threads)\n\(BLASInfo.config)"
    }

    static func main(_ args: [String]) -> Int32 {
        guard let first = args.first else { return ReplSession(version: flnbVersion, makeInterpreter: makeInterpreter).run() }
        let rest = Array(args.dropFirst())
        switch first {
        case "--version", "-V", "version":
            print(versionText())
            return ExitStatus.ok
        case "--help", "-h", "help":
            print(help)
            return ExitStatus.ok
        case "train": return TrainCommand.run(rest)
        case "sweep": return SweepCommand.run(rest)
        case "bench": return BenchCommand.run(rest)
        case "data": return DataCommand.run(rest)
        case "debug": return DebugCommand.run(rest)
        case "kernel": return KernelCommand.run(rest)
        case "convert": return ConvertCommand.run(rest)
        case "run": return NotebookCommand.run(arguments: rest, makeInterpreter: makeInterpreter)
        default:
            if first.hasSuffix(".flnb") { return NotebookCommand.run(arguments: args, makeInterpreter: makeInterpreter) }
            FileHandle.standardError.write(Data("flnb: unknown command '\(first)'; see flnb --help\n".utf8))
            return ExitStatus.usage
        }
    }
}
