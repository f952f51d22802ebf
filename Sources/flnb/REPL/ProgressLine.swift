import Foundation

/// A one-line progress bar on standard error for long steps (training, evaluation, loading).
///
/// On a terminal it redraws itself in place with `\r` at most ~10 times a second and erases
/// itself on `finish()`; when standard error is not a terminal (pipes, CI, `--check` logs) or
/// the bar is disabled, it prints nothing at all, so captured output never contains it.
///
///     progress.update(title: "train", done: 120, total: 320,
///                     fields: ["task": "2/5", "phase": "1", "loss": "0.412", "img/s": "812"])
///     …
///     progress.finish()
public final class ProgressLine: @unchecked Sendable {
    /// Whether anything is drawn.
    public let isEnabled: Bool
    private let minimumInterval: TimeInterval
    private let sink: (String) -> Void
    private let width: () -> Int
    private let clock: () -> TimeInterval
    private let lock = NSLock()
    private var shown = false
    private var lastDraw: TimeInterval = -.infinity
    /// When the current bar's first update came, and its title, for the ETA estimate.
    private var started: (time: TimeInterval, title: String, done: Int)?

    /// A progress line.
    /// - Parameters:
    ///   - enabled: draw at all; by default only when standard error is a terminal.
    ///   - minimumInterval: the shortest time between two redraws (0.1 s is ~10 Hz).
    ///   - sink: where the escape sequences and text go; standard error by default.
    ///   - width: the terminal width; measured on standard error by default.
    ///   - clock: seconds on a monotonic clock (tests pass a fake one).
    public init(enabled: Bool? = nil, minimumInterval: TimeInterval = 0.1,
                sink: ((String) -> Void)? = nil, width: (() -> Int)? = nil,
                clock: (() -> TimeInterval)? = nil) {
        isEnabled = enabled ?? Console.errorIsTerminal
        self.minimumInterval = minimumInterval
        self.sink = sink ?? { Console.writeAll($0, to: STDERR_FILENO) }
        self.width = width ?? { Console.width(of: STDERR_FILENO) }
        self.clock = clock ?? { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    }

    /// A progress line that never draws (pipe mode, tests).
    public static var disabled: ProgressLine { ProgressLine(enabled: false) }

    /// Shows `done` of `total` units of work under `title`, with extra `fields` such as
    /// task, phase, epoch, batch, loss and img/s. Redraws at most every `minimumInterval`
    /// (always when the work is complete).
    /// - Parameters:
    ///   - total: nil when the amount of work is unknown (no bar, no ETA).
    ///   - eta: seconds left; estimated from the rate since the bar's first update when nil.
    public func update(title: String, done: Int, total: Int?, fields: KeyValuePairs<String, String> = [:],
                       eta: TimeInterval? = nil) {
        guard isEnabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = clock()
        if let begun = started, begun.title == title, done >= begun.done {
            // Same bar, still advancing.
        } else {
            started = (now, title, done)
        }
        let complete = total.map { done >= $0 } ?? false
        guard complete || now - lastDraw >= minimumInterval else { return }
        lastDraw = now
        let estimate = eta ?? estimatedSecondsLeft(done: done, total: total, now: now)
        let line = ProgressLine.render(title: title, done: done, total: total, fields: Array(fields).map { ($0.key, $0.value) },
                                       eta: estimate, width: width())
        sink("\r" + line + "\u{1B}[K")
        shown = true
    }

    /// Erases the line; the next bar starts a fresh ETA estimate.
    public func finish() {
        guard isEnabled else { return }
        lock.lock()
        defer { lock.unlock() }
        erase()
        started = nil
        lastDraw = -.infinity
    }

    /// Erases the line if it is shown, so other output can be written; the next update redraws it.
    public func clear() {
        guard isEnabled else { return }
        lock.lock()
        defer { lock.unlock() }
        erase()
        lastDraw = -.infinity
    }

    private func erase() {
        if shown { sink("\r\u{1B}[K") }
        shown = false
    }

    private func estimatedSecondsLeft(done: Int, total: Int?, now: TimeInterval) -> TimeInterval? {
        guard let total, let begun = started, done > begun.done, total > done else { return nil }
        let rate = Double(done - begun.done) / max(now - begun.time, 1e-9)
        return Double(total - done) / rate
    }

    /// The text of one progress line, at most `width - 1` characters:
    /// `title [=====>     ]  37% 120/320 · task 2/5 · loss 0.412 · ETA 0:42`.
    /// Fields that do not fit are left out from the end; a long title is cut.
    public static func render(title: String, done: Int, total: Int?, fields: [(String, String)],
                              eta: TimeInterval?, width: Int) -> String {
        let limit = max(20, width - 1)
        var head = title
        if let total, total > 0 {
            let fraction = min(1, max(0, Double(done) / Double(total)))
            let barWidth = 20
            let filled = Int((fraction * Double(barWidth)).rounded(.down))
            let bar = String(repeating: "=", count: filled) + (filled < barWidth ? ">" : "")
            let padded = bar.padding(toLength: barWidth, withPad: " ", startingAt: 0)
            let percent = String(format: "%3d%%", Int((fraction * 100).rounded(.down)))
            head += " [\(padded)] \(percent) \(done)/\(total)"
        } else {
            head += " \(done)"
        }
        var parts = fields.map { name, value in "\(name) \(value)" }
        if let eta, eta.isFinite, eta >= 0 { parts.append("ETA " + formatDuration(eta)) }
        if head.count > limit { return String(head.prefix(limit - 1)) + "…" }
        var line = head
        for part in parts {
            let next = line + " · " + part
            if next.count > limit { break }
            line = next
        }
        return line
    }

    /// 42 → "0:42", 3725 → "1:02:05".
    static func formatDuration(_ seconds: TimeInterval) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, (total / 60) % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}
