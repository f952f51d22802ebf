import Foundation
import FLScript
import FLTensor

/// `flnb kernel -f FILE` (what Jupyter runs) and `flnb kernel install [--user | --prefix DIR | --sys-prefix]`.
enum KernelCommand: Subcommand {
    static let name = "kernel"
    static let usage = ["-f CONNECTION_FILE", "install [--user | --prefix DIR | --sys-prefix]"]
    static let summary = "serve as a Jupyter kernel (Jupyter starts it so), or register it with Jupyter as \"FLScript (flnb)\""
    static let options = [
        Option("--connection-file", "-f", value: "FILE", help: "serve as a Jupyter kernel (Jupyter starts it this way)"),
        Option("--user", help: "~/.local/share/jupyter/kernels/flnb (the default)", section: "install:"),
        Option("--prefix", value: "DIR", help: "DIR/share/jupyter/kernels/flnb", section: "install:"),
        Option("--sys-prefix", help: "the active Python environment's share/jupyter/kernels/flnb\n($VIRTUAL_ENV, else python3's sys.prefix)",
               section: "install:"),
    ]
    static let details = """
    Then `jupyter kernelspec list` shows flnb; open a notebook with `flnb convert x.flnb --to ipynb`.
    Interrupting the kernel (SIGINT) stops a training step at its last completed batch, as Ctrl-C does at the prompt.
    Exit codes: 0 ok, 64 usage error, 66 connection file missing or unreadable, 73 kernelspec not writable.
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let installs = arguments.first == "install"
        if arguments.first == "help" { Console.out(help + "\n"); return ExitStatus.ok }
        var scanner = OptionScanner(installs ? Array(arguments.dropFirst()) : arguments, options: options.filter { ($0.section != nil) == installs })
        var chosen: (option: Option, value: String?)?
        while let next = try scanner.nextOption() {
            guard chosen == nil else { throw CommandError.usage(installs ? "give one of --user, --prefix DIR, --sys-prefix" : "one connection file") }
            chosen = next
        }
        guard installs else {
            guard let file = chosen?.value else { throw CommandError.usage("needs -f CONNECTION_FILE or install") }
            return try JupyterKernel(connection: ConnectionInfo.load(path: file)).run()
        }
        switch chosen?.option.name {
        case "--prefix": return try install(in: chosen!.value! + "/share/jupyter/kernels")
        case "--sys-prefix":
            guard let prefix = pythonPrefix() else { throw CommandError.usage("install --sys-prefix: no $VIRTUAL_ENV and python3 could not tell its sys.prefix") }
            return try install(in: prefix + "/share/jupyter/kernels")
        default: return try install(in: userKernelsFolder())
        }
    }

    private static func install(in folder: String) throws -> Int32 {
        let target = folder + "/flnb"
        do {
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            try AtomicFile.write(kernelSpec(binary: executablePath()).text + "\n", to: target + "/kernel.json")
        } catch {
            throw CommandError("install: cannot write \(target)/kernel.json: \(error.localizedDescription)", status: ExitStatus.cannotWrite)
        }
        Console.out("installed the Jupyter kernel flnb in \(target)\n")
        return ExitStatus.ok
    }

    /// The kernelspec: how Jupyter starts this very binary.
    static func kernelSpec(binary: String) -> OrderedJSON {
        jsonObject([
            "argv": .array([.string(binary), .string("kernel"), .string("-f"), .string("{connection_file}")]),
            "display_name": .string("FLScript (flnb)"),
            "language": .string("flscript"),
            "interrupt_mode": .string("signal"),
            "metadata": jsonObject(["debugger": .bool(false), "flnb_version": .string(flnbVersion)]),
        ])
    }

    /// The absolute path of the running flnb binary.
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// `$JUPYTER_DATA_DIR/kernels`, else `$XDG_DATA_HOME/jupyter/kernels`, else ~/.local/share/jupyter/kernels.
    private static func userKernelsFolder() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let data = environment["JUPYTER_DATA_DIR"], !data.isEmpty { return data + "/kernels" }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/jupyter/kernels" }
        // $HOME first, as Jupyter's own "~" does (NSHomeDirectory reads the password database).
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/share/jupyter/kernels"
    }

    private static func pythonPrefix() -> String? {
        if let env = ProcessInfo.processInfo.environment["VIRTUAL_ENV"], !env.isEmpty { return env }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys; print(sys.prefix)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let prefix = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !prefix.isEmpty ? prefix : nil
    }
}
