import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process on a pseudo-terminal, driven like a user at a keyboard: `send` types,
/// `expect` waits (with a timeout, never forever) for text to appear.
///
/// The child is started with posix_spawn in a new session whose controlling terminal is the
/// pty, so Ctrl-C (byte 0x03) reaches it as SIGINT through the terminal driver, as it would
/// from a real terminal.
final class PseudoTerminal {
    struct Timeout: Error, CustomStringConvertible {
        var waitingFor: String
        var transcript: String
        var description: String {
            "timed out waiting for \(waitingFor.debugDescription); terminal so far (escaped):\n\(transcript.debugDescription)"
        }
    }

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    let pid: pid_t
    private let master: Int32
    private var buffer: [UInt8] = []
    /// Where the next `expect` starts looking.
    private var cursor = 0
    private var exitStatus: Int32?
    private var closed = false

    /// Everything the child wrote so far, escape sequences included.
    var transcript: String { String(decoding: buffer, as: UTF8.self) }

    /// Starts `executable` on a fresh pty of `columns`×`rows`.
    init(executable: String, arguments: [String] = [], environment: [String: String], directory: String? = nil,
         columns: UInt16 = 120, rows: UInt16 = 40) throws {
        let master = PTY.openMaster(O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0, PTY.grant(master) == 0, PTY.unlock(master) == 0 else {
            throw SpawnError(description: "cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        var name = [CChar](repeating: 0, count: 256)
        guard PTY.slaveName(master, &name, name.count) == 0 else {
            close(master)
            throw SpawnError(description: "ptsname_r failed")
        }
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Opened after setsid(), the slave becomes the child's controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, name, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        if let directory { _ = PTY.addChangeDirectory(&actions, directory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        let setSession: Int32 = 0x80  // POSIX_SPAWN_SETSID (glibc ≥ 2.26)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | setSession))
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGWINCH, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            close(master)
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        self.master = master
    }

    deinit {
        terminate()
        close(master)
    }

    /// Types `text` (use "\r" for Enter, "\u{03}" for Ctrl-C, "\u{04}" for Ctrl-D, "\t" for Tab,
    /// "\u{1B}[A" for the up arrow).
    func send(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(master, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            offset += written
        }
    }

    /// Waits until `needle` appears in the output after the previous match.
    /// - Returns: the output from the previous match to the end of this one.
    @discardableResult
    func expect(_ needle: String, timeout: TimeInterval = 15) throws -> String {
        let target = Array(needle.utf8)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let range = find(target) {
                let text = String(decoding: buffer[cursor..<range.upperBound], as: UTF8.self)
                cursor = range.upperBound
                return text
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 || (closed && find(target) == nil) {
                throw Timeout(waitingFor: needle, transcript: transcript)
            }
            pump(upTo: min(left, 0.2))
        }
    }

    /// Sends a key that the terminal driver treats specially in cooked mode (Ctrl-D) once the
    /// line editor has certainly switched the terminal to raw mode: under heavy load libedit
    /// can print its prompt a moment before the switch takes effect (seen with a plain C
    /// libedit program too), and a Ctrl-D arriving in that moment becomes an end-of-line marker
    /// instead of a key.
    func sendWhenSettled(_ text: String) {
        drain(for: 0.4)
        send(text)
    }

    /// Whether `needle` appears (after the previous match) within `timeout`, without failing.
    func sees(_ needle: String, within timeout: TimeInterval) -> Bool {
        (try? expect(needle, timeout: timeout)) != nil
    }

    /// Sends Ctrl-C until `needle` appears (a signal can land before the work it should stop
    /// has started), up to `attempts` times, waiting `within` seconds after each.
    func interrupt(until needle: String, within timeout: TimeInterval, attempts: Int = 10) -> Bool {
        for _ in 0..<attempts {
            send("\u{03}")
            if sees(needle, within: timeout) { return true }
        }
        return false
    }

    /// Reads whatever arrives for `seconds`.
    func drain(for seconds: TimeInterval) {
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0, !closed { pump(upTo: deadline.timeIntervalSinceNow) }
    }

    /// Waits for the child to exit (reading its output meanwhile) and returns its exit status;
    /// kills it and throws after `timeout`.
    func waitForExit(timeout: TimeInterval = 15) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            if let status = reap() { return status }
            pump(upTo: 0.05)
        }
        terminate()
        throw Timeout(waitingFor: "exit", transcript: transcript)
    }

    /// Kills the child if it still runs.
    func terminate() {
        guard reap() == nil else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        exitStatus = -1
    }

    private func reap() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        // WIFEXITED / WEXITSTATUS are macros Swift does not import.
        let signal = status & 0x7F
        exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        return exitStatus
    }

    private func find(_ target: [UInt8]) -> Range<Int>? {
        guard !target.isEmpty, buffer.count - cursor >= target.count else { return nil }
        var start = cursor
        while start + target.count <= buffer.count {
            if buffer[start] == target[0], Array(buffer[start..<start + target.count]) == target {
                return start..<start + target.count
            }
            start += 1
        }
        return nil
    }

    private func pump(upTo seconds: TimeInterval) {
        guard !closed else {
            usleep(useconds_t(max(0, min(seconds, 0.05)) * 1_000_000))
            return
        }
        var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(max(1, seconds * 1000)))
        guard ready > 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
        if count > 0 {
            buffer += chunk[0..<count]
        } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
            closed = true  // EIO: the child closed the terminal
        }
    }
}

/// The pty functions Swift's Glibc module leaves out (they need _XOPEN_SOURCE / _GNU_SOURCE),
/// looked up in the C library at run time.
private enum PTY {
    private static func function<T>(_ name: String, as type: T.Type) -> T {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
            fatalError("the C library has no \(name)")
        }
        return unsafeBitCast(symbol, to: type)
    }

    static let openMaster = function("posix_openpt", as: (@convention(c) (Int32) -> Int32).self)
    static let grant = function("grantpt", as: (@convention(c) (Int32) -> Int32).self)
    static let unlock = function("unlockpt", as: (@convention(c) (Int32) -> Int32).self)
    static let slaveName = function("ptsname_r", as: (@convention(c) (Int32, UnsafeMutablePointer<CChar>, Int) -> Int32).self)
    static let addChangeDirectory = function("posix_spawn_file_actions_addchdir_np",
                                             as: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32).self)
}
