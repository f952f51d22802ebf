import Foundation

/// What running one input produced.
public struct RunResult {
    /// The value of the input's last statement when that statement is an expression
    /// (nil when it is not, or when the input failed).
    public var value: Value?
    /// Lexer, parser or runtime errors; empty on success.
    public var diagnostics: [Diagnostic]
    /// For an input Ctrl-C stopped in a step that can be redone exactly: the input up to that
    /// statement, with the statement replaced by the step's replay line (see `InterruptedStep`).
    public var replay: String?

    public var succeeded: Bool { diagnostics.isEmpty }

    /// The diagnostics rendered for display, one after another.
    public var errorText: String { Diagnostic.render(diagnostics) }
}

/// `break`, `continue` and `return` unwind to their loop or call as errors (never seen by users).
enum ControlSignal: Error, @unchecked Sendable {
    case breakLoop, continueLoop
    case returnValue(Value)
}

/// A tree-walking interpreter holding one session's state.
///
/// File mode, notebooks and the REPL all go through `run(_:)`. A failing input reports a
/// diagnostic and leaves every binding made before the failing statement in place.
public final class Interpreter {
    /// Where `print`, `help` and echoed values go (a notebook captures it per cell).
    public var output: (String) -> Void
    /// Where `warn` goes: standard error by default; a notebook records it with the cell's
    /// output, in order, as it records a failing cell's diagnostic.
    public var errorOutput: (String) -> Void = { text in
        fflush(nil)  // what `print` buffered comes first
        FileHandle.standardError.write(Data(text.utf8))
    }
    /// Shows rich output (MIME type → data, e.g. `image/svg+xml` for `plot()`) where the front
    /// end can (the Jupyter kernel); nil means text only, through `output`.
    public var display: (([(mime: String, data: String)]) -> Void)?
    /// Bounds on call depth, steps and sizes; may be changed between runs.
    public var limits: RunLimits
    /// Polled while running; when set, the run stops with an "interrupted" diagnostic.
    public var interruptFlag: InterruptFlag
    /// Where long-running builtins report how far they are (a training step: its task, phase
    /// and batch); a front end draws it as a progress line. Nil shows nothing.
    public var progress: ((_ title: String, _ done: Int, _ total: Int, _ fields: KeyValuePairs<String, String>) -> Void)?

    /// Builtins and constants registered with `define`; never assigned by scripts.
    let builtinScope = Environment(parent: nil)
    /// The user's variables.
    private(set) var globals: Environment
    /// The scope statements currently run in.
    var environment: Environment
    /// The source the running code came from (a function body's may be an earlier input's).
    var currentSource: SourceFile
    var callDepth = 0
    var steps = 0
    var stackGuard = StackGuard()
    /// The range of the call being evaluated, for errors raised by callbacks from builtins.
    var callSiteRange: SourceRange?
    /// The call an `InterruptedStep` stopped in this run, and the line that replays it.
    var interruptedStep: (call: SourceRange, source: SourceFile, replay: String)?

    /// An interpreter with the core builtins defined.
    /// - Parameters:
    ///   - output: receives all printed text; defaults to standard output.
    ///   - limits: call depth, step budget and size bounds.
    ///   - interruptFlag: the flag a Ctrl-C handler sets; `.shared` by default.
    public init(output: @escaping (String) -> Void = { Swift.print($0, terminator: "") },
                limits: RunLimits = RunLimits(), interruptFlag: InterruptFlag = .shared) {
        self.output = output
        self.limits = limits
        self.interruptFlag = interruptFlag
        globals = Environment(parent: builtinScope)
        environment = globals
        currentSource = SourceFile(name: "<input>", text: "")
        for builtin in CoreLibrary.builtins() { define(builtin) }
    }

    // MARK: - Definitions

    /// Makes `builtin` callable by its name.
    public func define(_ builtin: Builtin) {
        builtinScope.define(builtin.name, .builtin(builtin))
    }

    /// Defines several builtins, e.g. a module's whole library.
    public func define(_ builtins: [Builtin]) {
        builtins.forEach { define($0) }
    }

    /// Binds `name` to `value` next to the builtins (a constant scripts may shadow but not change).
    public func define(_ name: String, _ value: Value) {
        builtinScope.define(name, value)
    }

    /// Binds a user variable, as if the script had assigned it.
    public func setGlobal(_ name: String, _ value: Value) {
        globals.define(name, value)
    }

    /// The value a name has at the top level (user variables first, then builtins).
    public func value(named name: String) -> Value? {
        globals.lookup(name)
    }

    /// The user's top-level variable names, sorted.
    public var globalNames: [String] {
        globals.values.keys.sorted()
    }

    /// The names of all builtins and constants, sorted.
    public var builtinNames: [String] {
        builtinScope.values.keys.sorted()
    }

    /// Forgets every user variable; builtins stay.
    public func reset() {
        globals = Environment(parent: builtinScope)
        environment = globals
    }

    /// Writes text to the output sink.
    public func write(_ text: String) {
        output(text)
    }

    /// Writes text to the error sink (`warn`).
    public func writeError(_ text: String) {
        errorOutput(text)
    }

    // MARK: - Running

    /// Lexes, parses and runs `text`; echoes the last expression's value when `echo` is set.
    /// - Parameters:
    ///   - file: the name diagnostics show.
    ///   - firstLine: the line number of the text's first line (for notebook cells).
    @discardableResult
    public func run(_ text: String, file: String = "<input>", firstLine: Int = 1, echo: Bool = true) -> RunResult {
        run(SourceFile(name: file, text: text, firstLine: firstLine), echo: echo)
    }

    /// Runs a source file; see `run(_:file:firstLine:echo:)`.
    @discardableResult
    public func run(_ source: SourceFile, echo: Bool = true) -> RunResult {
        let (program, diagnostics) = Parser.parse(source)
        guard diagnostics.isEmpty else { return RunResult(value: nil, diagnostics: diagnostics) }
        steps = 0
        callDepth = 0
        stackGuard = StackGuard()
        interruptFlag.clear()
        interruptedStep = nil
        environment = globals
        currentSource = source
        var last: Value?
        for statement in program.statements {
            do {
                let value = try execute(statement)
                if case .expression = statement.kind { last = value } else { last = nil }
            } catch let diagnostic as Diagnostic {
                restoreTopLevel(source)
                return RunResult(value: nil, diagnostics: [diagnostic], replay: replay(stoppedAt: statement, in: source))
            } catch {
                // Unreachable by construction (control signals cannot leave their loop or call),
                // but a session must survive it anyway.
                restoreTopLevel(source)
                let diagnostic = Diagnostic(.error, Interpreter.message(for: error), at: statement.range, in: source)
                return RunResult(value: nil, diagnostics: [diagnostic])
            }
        }
        if echo, let last, !last.isNull {
            output(last.repr + "\n")
        }
        return RunResult(value: last, diagnostics: [])
    }

    /// The input up to `statement`, then the replay line of the step interrupted in it; nil unless
    /// the step is the statement (`r.step("task")`, `x = r.run()`; not in a loop or function).
    private func replay(stoppedAt statement: Stmt, in source: SourceFile) -> String? {
        let call: Expr? = switch statement.kind { case .expression(let e), .assign(_, .none, let e): e; default: nil }
        guard let step = interruptedStep, step.source === source, call?.range == step.call else { return nil }
        let start = statement.range.start
        let lead = source.text(in: SourceRange(SourceLocation(line: start.line, column: 1), start)) ?? ""
        return (source.lines.prefix(start.line - source.firstLine) + [lead + step.replay]).joined(separator: "\n")
    }

    private func restoreTopLevel(_ source: SourceFile) {
        environment = globals
        currentSource = source
        callDepth = 0
        callSiteRange = nil
    }

    // MARK: - Errors

    /// A runtime error at `range` in the running source. Runtime errors unwind as the
    /// `Diagnostic` the run reports, so one raised deep in a callback keeps its position.
    func error(_ message: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(.error, message, at: range, in: currentSource)
    }

    /// The user-facing text of an error thrown by a builtin or object.
    static func message(for error: Error) -> String {
        switch error {
        case let error as ScriptError: return error.message
        case let error as ArgumentError: return error.message
        case let error as Diagnostic: return error.message
        case let error as LocalizedError: return error.errorDescription ?? String(describing: error)
        default: return String(describing: error)
        }
    }

    /// Runs code of a builtin or object, turning what it throws into a diagnostic at `range`.
    func guarded<T>(_ range: SourceRange, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let diagnostic as Diagnostic {
            throw diagnostic
        } catch let signal as ControlSignal {
            throw signal
        } catch {
            throw self.error(Interpreter.message(for: error), at: range)
        }
    }

    /// For long-running builtins (a training loop): throws "interrupted", clearing the flag,
    /// when Ctrl-C was pressed, so the statement stops at a safe point.
    public func checkInterrupt() throws {
        if interruptFlag.isSet {
            interruptFlag.clear()
            throw ScriptError("interrupted")
        }
    }

    /// Counts a step and polls the interrupt flag.
    func tick(_ range: SourceRange) throws {
        steps += 1
        if let maxSteps = limits.maxSteps, steps > maxSteps {
            throw error("step budget of \(maxSteps) exhausted", at: range)
        }
        if interruptFlag.isSet {
            interruptFlag.clear()
            throw error("interrupted", at: range)
        }
    }

    /// Fails when a list or string of `size` elements would exceed the size limit.
    func checkSize(_ size: Int, _ what: String, at range: SourceRange) throws {
        if size > limits.maxCollectionSize {
            throw error("\(what) of \(size) elements is too large (limit \(limits.maxCollectionSize))", at: range)
        }
    }

    /// Fails when storing `value` inside a list or dict would nest them too deeply.
    func checkNesting(_ value: Value, at range: SourceRange) throws {
        if value.nestingDepth + 1 > limits.maxValueNesting {
            throw error("lists and dicts nested too deeply (limit \(limits.maxValueNesting))", at: range)
        }
    }
}
