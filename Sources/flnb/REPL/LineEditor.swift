@preconcurrency import CEditLine
import Foundation

/// The completer libedit's C callback calls: (line, cursor as a character offset) → candidates.
nonisolated(unsafe) private var activeCompleter: ((String, Int) -> [String])?
/// Set by `readKey` when Ctrl-C ended the line being read.
nonisolated(unsafe) private var lineWasInterrupted = false

/// Reads one key for libedit: a whole UTF-8 character per call (libedit stores it as one
/// wide character). Ctrl-C at the prompt interrupts the read (the handler has no SA_RESTART):
/// it prints "^C" and returns Enter, and `LineEditor.read` reports the line as interrupted.
private func readKey(_ stream: UnsafeMutablePointer<FILE>?) -> Int32 {
    let descriptor = stream.map { fileno($0) } ?? STDIN_FILENO
    func nextByte() -> Int32? {
        var byte: UInt8 = 0
        while true {
            if SignalHandling.takePromptInterrupt() { return nil }
            let count = read(descriptor, &byte, 1)
            if count == 1 { return Int32(byte) }
            if count == 0 { return -1 }
            guard errno == EINTR else { return -1 }
            if SignalHandling.takeResize() { rl_resize_terminal() }
        }
    }
    guard let lead = nextByte() else {
        lineWasInterrupted = true
        Console.out("^C")
        return 10
    }
    guard lead >= 0xC0, lead < 0xF8 else { return lead }
    let extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1
    var scalar = lead & (0x3F >> extra)
    for _ in 0..<extra {
        guard let next = nextByte(), next & 0xC0 == 0x80 else { return lead }
        scalar = scalar << 6 | (next & 0x3F)
    }
    return scalar
}

/// libedit's completion callback: asks the interpreter, lists several candidates at once
/// when Tab cannot extend the word, and returns matches in readline's format
/// (matches[0] replaces the word; the array and strings are freed by libedit).
private func attemptCompletion(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    rl_attempted_completion_over = 1  // never fall back to file-name completion
    guard let completer = activeCompleter, let buffer = rl_line_buffer else { return nil }
    let line = String(cString: buffer)
    let word = text.map { String(cString: $0) } ?? ""
    // libedit reports the cursor in characters of its wide buffer, i.e. Unicode scalars.
    let head = String(String.UnicodeScalarView(line.unicodeScalars.prefix(Int(max(0, rl_point)))))
    let plan = CompletionPlan(word: word, candidates: completer(line, head.count))
    guard !plan.candidates.isEmpty else { return nil }
    // libedit frees the array and its strings with free().
    let count = plan.candidates.count
    guard let storage = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (count + 2)) else { return nil }
    let matches = storage.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: count + 2)
    matches[0] = strdup(plan.replacement)
    for (index, candidate) in plan.candidates.enumerated() { matches[index + 1] = strdup(candidate) }
    matches[count + 1] = nil
    // libedit lists on the second Tab (rl_completion_type '?'); list on the first as well
    // when Tab cannot make progress, then redraw the prompt below the list.
    if plan.listsCandidates, rl_completion_type != Int32(UInt8(ascii: "?")), count <= Int(rl_completion_query_items) {
        Console.out("\n")
        let widest = plan.candidates.map(\.utf8.count).max() ?? 0
        rl_display_match_list(matches, Int32(count + 1), Int32(widest))
        fflush(nil)
        rl_forced_update_display()
    }
    return matches
}

/// Line editing with libedit's readline interface: prompt, history recall, Tab completion,
/// and Ctrl-C that clears the line instead of killing the process.
///
/// libedit is process-global, so there is one editor per process.
final class LineEditor {
    /// One read from the terminal.
    enum Line: Equatable {
        case text(String)
        /// Ctrl-C ended the read; carries what had been typed.
        case interrupted(String)
        /// Ctrl-D on an empty line, or the terminal went away.
        case endOfInput
    }

    private var history: HistoryFile
    private var warnedAboutHistory = false
    /// Word boundaries for completion: everything that cannot be part of an identifier.
    nonisolated(unsafe) private static let wordBreaks = strdup(" \t\n\"\\'`@$><=;|&{}()[].,:+-*/%!?#^~")!

    /// Sets up libedit with `history` loaded and `completer` answering Tab.
    /// - Parameter completer: candidates for (line, cursor as a character offset).
    init(history: HistoryFile, completer: @escaping (String, Int) -> [String]) {
        self.history = history
        activeCompleter = completer
        LineEditor.useUTF8Locale()
        rl_readline_name = UnsafePointer(strdup("flnb"))
        // Our handlers own SIGINT; libedit's would re-raise it to the whole process group.
        rl_catch_signals = 0
        rl_catch_sigwinch = 0
        rl_getc_function = readKey
        rl_initialize()
        rl_attempted_completion_function = attemptCompletion
        rl_basic_word_break_characters = UnsafePointer(LineEditor.wordBreaks)
        rl_completion_append_character = 0
        // libedit 3.1-2022 rings the bell after every completion, even a unique one; make its
        // bell an invisible "reset attributes" sequence instead.
        _ = rl_parse_and_bind("settc bl \u{1B}[m")
        stifle_history(Int32(history.limit))
        for entry in history.entries { add_history(entry) }
    }

    deinit {
        activeCompleter = nil
    }

    /// Shows `prompt` and reads one line.
    func read(prompt: String) -> Line {
        lineWasInterrupted = false
        guard let raw = readline(prompt) else {
            return lineWasInterrupted ? .interrupted("") : .endOfInput
        }
        defer { free(raw) }
        let text = String(cString: raw)
        return lineWasInterrupted ? .interrupted(text) : .text(text)
    }

    /// Adds a line to the in-memory and the persistent history.
    func remember(_ line: String) {
        guard history.append(line) else { return }
        add_history(line)
        do {
            try history.save()
        } catch {
            if !warnedAboutHistory { Console.error("warning: history not saved: \(error)\n") }
            warnedAboutHistory = true
        }
    }

    /// libedit decodes and encodes the line with the C library's locale: make it UTF-8.
    private static func useUTF8Locale() {
        let current = setlocale(LC_CTYPE, "").map { String(cString: $0) } ?? ""
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        if codeset.uppercased().replacingOccurrences(of: "-", with: "") != "UTF8" || current == "C" || current == "POSIX" {
            if setlocale(LC_CTYPE, "C.UTF-8") == nil { _ = setlocale(LC_CTYPE, current) }
        }
    }
}
