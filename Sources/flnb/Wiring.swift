import Foundation
import FLScript

/// Temporary wiring until the REPL front end lands: `flnb run FILE` executes notebooks and
/// the prompt reads lines without editing.
func runNotebooks(_ args: [String]) -> Int32 {
    guard let path = args.last, !path.hasPrefix("--") else {
        FileHandle.standardError.write(Data("usage: flnb run [--check|--update] FILE.flnb\n".utf8)); return ExitCode.usage
    }
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        FileHandle.standardError.write(Data("flnb run: cannot read \(path)\n".utf8)); return ExitCode.scriptError
    }
    let interp = FLSession.makeInterpreter()
    let runner = NotebookRunner(interpreter: interp, fileName: path)
    let nb = Notebook(parsing: text)
    if args.contains("--check") {
        let r = runner.check(nb)
        if !r.passed { print(r.diff); return ExitCode.checkFailed }
        print("\(path): outputs match")
        return ExitCode.ok
    }
    if args.contains("--update") {
        let (updated, run) = runner.runAndUpdate(nb)
        try? updated.text.write(toFile: path, atomically: true, encoding: .utf8)
        return run.succeeded ? ExitCode.ok : ExitCode.scriptError
    }
    let r = NotebookRunner(interpreter: interp, fileName: path, forwardOutput: true).run(nb)
    return r.succeeded ? ExitCode.ok : ExitCode.scriptError
}

func runREPL() -> Int32 {
    let interp = FLSession.makeInterpreter()
    while let line = readLine() {
        let r = interp.run(line)
        if !r.succeeded { print(r.errorText) }
    }
    return ExitCode.ok
}
