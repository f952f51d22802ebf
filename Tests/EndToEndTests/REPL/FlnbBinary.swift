import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds and runs the executable under test: `$FLNB_BIN`, else `flnb` (the main package) or
/// `flnb-repl` (the scratch package) next to the test runner in the build folder.
enum FlnbBinary {
    static let path: String = {
        if let path = ProcessInfo.processInfo.environment["FLNB_BIN"], !path.isEmpty { return path }
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            for name in ["flnb", "flnb-repl"] {
                let candidate = folder.appendingPathComponent(name).path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
            folder = folder.deletingLastPathComponent()
        }
        return "/nonexistent/flnb (set FLNB_BIN)"
    }()

    /// What a finished run printed and returned.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// An environment with the history sent to `folder` and a UTF-8 locale.
    static func environment(home folder: URL, extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = folder.path
        environment["FLNB_HISTORY"] = folder.appendingPathComponent("history").path
        environment["LANG"] = "C.UTF-8"
        environment["TERM"] = "xterm"
        environment.removeValue(forKey: "FLNB_BIN")
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// Runs the binary with `arguments`, standard input from `input` (a pipe, so never a
    /// terminal), output captured through files (no pipe can fill up and block); kills it
    /// after `timeout` seconds.
    static func run(_ arguments: [String], input: String = "", in folder: URL, timeout: TimeInterval = 60) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = environment(home: folder)
        let stdinURL = folder.appendingPathComponent(".stdin-\(UUID().uuidString)")
        let stdoutURL = folder.appendingPathComponent(".stdout-\(UUID().uuidString)")
        let stderrURL = folder.appendingPathComponent(".stderr-\(UUID().uuidString)")
        try input.write(to: stdinURL, atomically: false, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        defer { [stdinURL, stdoutURL, stderrURL].forEach { try? FileManager.default.removeItem(at: $0) } }
        let stdin = try FileHandle(forReadingFrom: stdinURL)
        let stdout = try FileHandle(forWritingTo: stdoutURL)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        defer { [stdin, stdout, stderr].forEach { try? $0.close() } }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, deadline.timeIntervalSinceNow > 0 { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw PseudoTerminal.Timeout(waitingFor: "flnb \(arguments.joined(separator: " ")) to finish", transcript: "")
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "")
    }

    /// A fresh temporary folder for one test.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flnb-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Starts the REPL on a pseudo-terminal in `folder`.
    static func startTerminalSession(in folder: URL) throws -> PseudoTerminal {
        try PseudoTerminal(executable: path, arguments: [], environment: environment(home: folder, extra: ["PWD": folder.path]),
                           directory: folder.path)
    }
}
