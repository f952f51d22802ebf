import Foundation
import FLScript
import FLTensor

/// `flnb kernel -f FILE` (what Jupyter runs) and `flnb kernel install [--user | --prefix DIR | --sys-prefix]`.
enum KernelCommand {
    static let help = """
    Usage:
      flnb kernel -f CONNECTION_FILE       serve as a Jupyter kernel (Jupyter starts it this way)
      flnb kernel --connection-file FILE   the same
      flnb kernel install [--user | --prefix DIR | --sys-prefix]
                                           register the kernel "FLScript (flnb)" with Jupyter:
                                           --user        ~/.local/share/jupyter/kernels/flnb (the default)
                                           --prefix DIR  DIR/share/jupyter/kernels/flnb
                                           --sys-prefix  the active Python environment's share/jupyter/kernels/flnb
                                                         ($VIRTUAL_ENV, else python3's sys.prefix)

    Then `jupyter kernelspec list` shows flnb; open a notebook with `flnb convert x.flnb --to ipynb`.
    Interrupting the kernel (SIGINT) stops a training step at its last completed batch, as Ctrl-C does at the prompt.
    Exit codes: 0 ok, 64 usage error, 66 connection file missing or unreadable, 73 kernelspec not writable.

    """

    static func run(_ arguments: [String]) -> Int32 {
        guard let first = arguments.first else { return usage("flnb kernel needs -f CONNECTION_FILE or install") }
        switch first {
        case "--help", "-h", "help":
            Console.out(help)
            return ExitStatus.ok
        case "install":
            return install(Array(arguments.dropFirst()))
        case "-f", "--connection-file":
            guard arguments.count == 2 else { return usage("\(first) takes one connection file") }
            return serve(connectionFile: arguments[1])
        default:
            if first.hasPrefix("--connection-file="), arguments.count == 1 {
                return serve(connectionFile: String(first.dropFirst("--connection-file=".count)))
            }
            return usage("unknown argument '\(first)'")
        }
    }

    private static func usage(_ problem: String) -> Int32 {
        Console.error("flnb kernel: \(problem)\n\(help)")
        return ExitStatus.usage
    }

    private static func serve(connectionFile path: String) -> Int32 {
        let connection: ConnectionInfo
        do {
            connection = try ConnectionInfo.load(path: path)
        } catch {
            Console.error("flnb kernel: \(error)\n")
            return ExitStatus.noInput
        }
        do {
            return try JupyterKernel(connection: connection).run()
        } catch {
            Console.error("flnb kernel: \(error)\n")
            return ExitStatus.runtimeError
        }
    }

    // MARK: - install

    private static func install(_ arguments: [String]) -> Int32 {
        var folder: String?
        var index = 0
        func choose(_ path: String) -> Bool {
            if folder != nil { return false }
            folder = path
            return true
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--user":
                guard choose(userKernelsFolder()) else { return usage("give one of --user, --prefix DIR, --sys-prefix") }
            case "--prefix":
                guard index + 1 < arguments.count else { return usage("--prefix needs a folder") }
                index += 1
                guard choose(arguments[index] + "/share/jupyter/kernels") else { return usage("give one of --user, --prefix DIR, --sys-prefix") }
            case "--sys-prefix":
                guard let prefix = pythonPrefix() else {
                    Console.error("flnb kernel install: --sys-prefix: no $VIRTUAL_ENV and python3 could not tell its sys.prefix\n")
                    return ExitStatus.usage
                }
                guard choose(prefix + "/share/jupyter/kernels") else { return usage("give one of --user, --prefix DIR, --sys-prefix") }
            case "--help", "-h":
                Console.out(help)
                return ExitStatus.ok
            default:
                return usage("install: unknown argument '\(argument)'")
            }
            index += 1
        }
        let target = (folder ?? userKernelsFolder()) + "/flnb"
        do {
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            try AtomicFile.write(kernelSpec(binary: executablePath()).text + "\n", to: target + "/kernel.json")
        } catch {
            Console.error("flnb kernel install: cannot write \(target)/kernel.json: \(error.localizedDescription)\n")
            return ExitStatus.cannotWrite
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
