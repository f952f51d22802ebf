import Foundation
@preconcurrency import CZeroMQ
import FLScript
import FLTensor

/// `flnb kernel`: a Jupyter kernel (messaging protocol 5.3) in front of the REPL's own
/// session. Cells run through `SessionCore` exactly as inputs at the prompt do; what they print
/// goes out as `stream` messages, an expression's value as `execute_result`, `plot()` as
/// `display_data` (SVG), diagnostics as `error`, and the training progress line as one display
/// updated in place.
///
/// Threads: the main thread serves shell (and runs cells); control and heartbeat have their
/// own threads so that `interrupt_request`, `shutdown_request` and heartbeats are answered
/// while a cell runs. iopub is shared and guarded by a lock.
final class JupyterKernel: @unchecked Sendable {
    private let signer: MessageSigner
    private let session = UUID().uuidString.lowercased()
    private let context: UnsafeMutableRawPointer
    private let shell, control, stdin, iopub, heartbeat: KernelSocket
    private let iopubLock = NSLock()
    private var core: SessionCore!
    private var executionCount = 0
    /// Inputs run with store_history: (execution count, code, text output).
    private var history: [(count: Int, code: String, output: String)] = []

    // The execution in progress (main thread only, apart from the progress sink's lock).
    private var parent: KernelMessage?
    private var errorText = ""
    private var outputText = ""
    private var progressDisplay: String?
    private let progressLock = NSLock()

    init(connection: ConnectionInfo) throws {
        signer = MessageSigner(key: Array(connection.key.utf8))
        context = zmq_ctx_new()
        shell = try KernelSocket(context: context, type: ZMQ_ROUTER, endpoint: connection.endpoint(connection.shellPort), name: "shell")
        control = try KernelSocket(context: context, type: ZMQ_ROUTER, endpoint: connection.endpoint(connection.controlPort), name: "control")
        stdin = try KernelSocket(context: context, type: ZMQ_ROUTER, endpoint: connection.endpoint(connection.stdinPort), name: "stdin")
        iopub = try KernelSocket(context: context, type: ZMQ_PUB, endpoint: connection.endpoint(connection.iopubPort), name: "iopub")
        heartbeat = try KernelSocket(context: context, type: ZMQ_REP, endpoint: connection.endpoint(connection.hbPort), name: "hb")
        let progress = ProgressLine(enabled: true, minimumInterval: 0.25, sink: { [unowned self] text in self.progressDrawn(text) },
                                    width: { 120 })
        var sinks = SessionCore.Sinks()
        sinks.out = { [unowned self] text in
            self.outputText += text
            self.publishStream("stdout", text)
        }
        sinks.error = { [unowned self] text in self.errorText += text }
        sinks.warning = { [unowned self] text in
            self.outputText += text
            self.publishStream("stderr", text)
        }
        sinks.value = { [unowned self] value in self.publishResult(value) }
        sinks.display = { [unowned self] bundle in self.publishDisplay(bundle) }
        core = SessionCore(version: flnbVersion, mode: .kernel, progress: progress, sinks: sinks, makeInterpreter: makeInterpreter)
    }

    /// Serves until a `shutdown_request`; returns the exit status.
    func run() -> Int32 {
        SignalHandling.install()
        SignalHandling.enterPrompt()
        Thread.detachNewThread { [self] in
            while let frames = heartbeat.receive() { heartbeat.send(frames) }
        }
        Thread.detachNewThread { [self] in
            while let frames = control.receive() { serve(frames, on: control) }
        }
        publishStatus("starting", parent: nil)
        while let frames = shell.receive() {
            serve(frames, on: shell)
        }
        return ExitStatus.ok
    }

    // MARK: - Dispatch

    private func serve(_ frames: [[UInt8]], on socket: KernelSocket) {
        let request: KernelMessage
        do {
            request = try KernelMessage(frames: frames, signer: signer)
        } catch {
            log("dropped a message on \(socket.name): \(error)")
            return
        }
        let isControl = socket === control
        if !isControl { publishStatus("busy", parent: request) }
        defer { if !isControl { publishStatus("idle", parent: request) } }
        switch request.type {
        case "kernel_info_request": reply(request, on: socket, content: kernelInfo)
        case "execute_request": execute(request)
        case "complete_request": reply(request, on: socket, content: complete(request.content))
        case "inspect_request": reply(request, on: socket, content: inspect(request.content))
        case "is_complete_request": reply(request, on: socket, content: isComplete(request.content))
        case "history_request": reply(request, on: socket, content: historyReply(request.content))
        case "comm_info_request": reply(request, on: socket, content: jsonObject(["status": .string("ok"), "comms": .object([])]))
        case "interrupt_request":
            InterruptFlag.shared.set()
            reply(request, on: socket, content: jsonObject(["status": .string("ok")]))
        case "shutdown_request":
            let restart = request.content["restart"]?.boolValue ?? false
            reply(request, on: socket, content: jsonObject(["status": .string("ok"), "restart": .bool(restart)]))
            if !isControl { publishStatus("idle", parent: request) }
            usleep(100_000)  // let ZeroMQ's I/O thread deliver the reply before the process ends
            exit(ExitStatus.ok)
        default:
            log("ignored a message of unknown type '\(request.type)' on \(socket.name)")
        }
    }

    private var kernelInfo: OrderedJSON {
        jsonObject([
            "status": .string("ok"),
            "protocol_version": .string(KernelMessage.protocolVersion),
            "implementation": .string("flnb"),
            "implementation_version": .string(flnbVersion),
            "language_info": jsonObject([
                "name": .string("flscript"), "version": .string(flnbVersion), "mimetype": .string("text/x-flscript"),
                "file_extension": .string(".flnb"), "pygments_lexer": .string("python"), "codemirror_mode": .string("python"),
            ]),
            "banner": .string("flnb \(flnbVersion) — FLScript for continual-learning research"),
            "help_links": .array([]),
        ])
    }

    // MARK: - Execution

    private func execute(_ request: KernelMessage) {
        let code = request.content["code"]?.stringValue ?? ""
        let silent = request.content["silent"]?.boolValue ?? false
        let storeHistory = request.content["store_history"]?.boolValue ?? !silent
        if storeHistory { executionCount += 1 }
        let count = executionCount
        if !silent { publish("execute_input", parent: request, content: jsonObject(["code": .string(code), "execution_count": .int(count)])) }
        parent = request
        errorText = ""
        outputText = ""
        progressLock.withLock { progressDisplay = nil }
        defer { parent = nil }

        let trimmed = code.trimmingCharacters(in: .whitespacesAndNewlines)
        var failure: (name: String, text: String, published: Bool)?
        SignalHandling.enterRunning()
        if trimmed.isEmpty {
            // Nothing to run.
        } else if !trimmed.contains("\n"), MetaCommand.isCommand(trimmed) {
            switch core.runCommand(trimmed) {
            case .quit:
                publishStream("stderr", Messages.kernelQuit)
                failure = ("CommandError", Messages.kernelQuit, true)
            case .proceed(let succeeded):
                if !errorText.isEmpty { publishStream("stderr", errorText) }
                if !succeeded { failure = ("CommandError", errorText, true) }
            }
        } else if !core.runCode(code) {
            failure = (InterruptFlag.shared.isSet ? "Interrupted" : "Error", errorText, false)
        } else if !errorText.isEmpty {
            publishStream("stderr", errorText)
        }
        SignalHandling.enterPrompt()
        if storeHistory { history.append((count, code, outputText)) }

        if let failure {
            let lines = failure.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let traceback = Array(lines.last == "" ? lines.dropLast() : lines[...])
            let evalue = traceback.first ?? failure.name
            let error = jsonObject(["ename": .string(failure.name), "evalue": .string(evalue),
                                    "traceback": .array(traceback.map { .string($0) })])
            if !failure.published, !silent { publish("error", parent: request, content: error.adding("execution_count", .int(count))) }
            reply(request, on: shell, content: jsonObject(["status": .string("error"), "execution_count": .int(count)]).merging(error))
        } else {
            reply(request, on: shell, content: jsonObject(["status": .string("ok"), "execution_count": .int(count),
                                                             "user_expressions": .object([]), "payload": .array([])]))
        }
    }

    private func publishResult(_ value: Value) {
        guard let parent, parent.content["silent"]?.boolValue != true else { return }
        outputText += value.repr + "\n"
        publish("execute_result", parent: parent, content: jsonObject([
            "execution_count": .int(executionCount), "data": jsonObject(["text/plain": .string(value.repr)]), "metadata": .object([]),
        ]))
    }

    /// `plot()` without `file:` shows its SVG inline (with the text plot as the fallback).
    private func publishDisplay(_ bundle: [(mime: String, data: String)]) {
        guard let parent, parent.content["silent"]?.boolValue != true else { return }
        publish("display_data", parent: parent, content: jsonObject([
            "data": .object(bundle.map { OrderedJSON.Member(key: $0.mime, value: .string($0.data)) }),
            "metadata": .object([]), "transient": .object([]),
        ]))
    }

    /// The session's progress line as one display: created by the first draw of a cell and
    /// updated in place afterwards; erasing leaves the last state shown.
    private func progressDrawn(_ raw: String) {
        let text = raw.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\u{1B}[K", with: "")
        guard !text.isEmpty, let parent, parent.content["silent"]?.boolValue != true else { return }
        let (id, isNew): (String, Bool) = progressLock.withLock {
            if let id = progressDisplay { return (id, false) }
            let id = "flnb-progress-" + UUID().uuidString.lowercased()
            progressDisplay = id
            return (id, true)
        }
        publish(isNew ? "display_data" : "update_display_data", parent: parent, content: jsonObject([
            // Marked so that `flnb convert` leaves it out of recorded outputs (`flnb run` never records it).
            "data": jsonObject(["text/plain": .string(text)]), "metadata": jsonObject(["flnb_progress": .bool(true)]),
            "transient": jsonObject(["display_id": .string(id)]),
        ]))
    }

    // MARK: - Completion, inspection, completeness, history

    private func complete(_ content: OrderedJSON) -> OrderedJSON {
        let code = content["code"]?.stringValue ?? ""
        let scalars = Array(code.unicodeScalars)
        let cursor = min(max(0, content["cursor_pos"]?.intValue ?? scalars.count), scalars.count)
        let before = String(String.UnicodeScalarView(scalars[..<cursor]))
        let lineStart = before.lastIndex(of: "\n").map { before.index(after: $0) } ?? before.startIndex
        let line = String(before[lineStart...])
        let word = line.reversed().prefix { Completion.isIdentifierCharacter($0) }.count
        let matches = core.interpreter.completions(line: line, cursor: line.count)
        return jsonObject(["status": .string("ok"), "matches": .array(matches.map { .string($0) }),
                           "cursor_start": .int(cursor - word), "cursor_end": .int(cursor), "metadata": .object([])])
    }

    /// What `help(x)` prints for the name (or `a.b` chain) at the cursor.
    private func inspect(_ content: OrderedJSON) -> OrderedJSON {
        let code = content["code"]?.stringValue ?? ""
        let scalars = Array(code.unicodeScalars)
        let cursor = min(max(0, content["cursor_pos"]?.intValue ?? scalars.count), scalars.count)
        func isChain(_ c: Unicode.Scalar) -> Bool { c == "." || c == "_" || CharacterSet.alphanumerics.contains(c) }
        var start = cursor, end = cursor
        while start > 0, isChain(scalars[start - 1]) { start -= 1 }
        while end < scalars.count, isChain(scalars[end]) { end += 1 }
        let chain = String(String.UnicodeScalarView(scalars[start..<end])).trimmingCharacters(in: CharacterSet(charactersIn: "."))
        let notFound = jsonObject(["status": .string("ok"), "found": .bool(false), "data": .object([]), "metadata": .object([])])
        guard let first = chain.unicodeScalars.first, !CharacterSet.decimalDigits.contains(first) else { return notFound }
        // `?chain` is the REPL's own help statement; a chain of names only reads values, never calls.
        let interpreter = core.interpreter
        let saved = interpreter.output
        var text = ""
        interpreter.output = { text += $0 }
        let result = interpreter.run("?" + chain, file: "<inspect>", echo: false)
        interpreter.output = saved
        guard result.succeeded, !text.isEmpty else { return notFound }
        return jsonObject(["status": .string("ok"), "found": .bool(true), "data": jsonObject(["text/plain": .string(text)]),
                           "metadata": .object([])])
    }

    private func isComplete(_ content: OrderedJSON) -> OrderedJSON {
        let code = content["code"]?.stringValue ?? ""
        if !Syntax.isComplete(code) {
            return jsonObject(["status": .string("incomplete"), "indent": .string("    ")])
        }
        let trimmed = code.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || (!trimmed.contains("\n") && MetaCommand.isCommand(trimmed)) { return jsonObject(["status": .string("complete")]) }
        let problems = Syntax.check(SourceFile(name: "<input>", text: code))
        return jsonObject(["status": .string(problems.isEmpty ? "complete" : "invalid")])
    }

    /// `history_request`: tail, range and search (glob pattern) over this session's inputs (session 1).
    private func historyReply(_ content: OrderedJSON) -> OrderedJSON {
        let withOutput = content["output"]?.boolValue ?? false
        var entries = history
        switch content["hist_access_type"]?.stringValue ?? "tail" {
        case "range":
            let start = content["start"]?.intValue ?? 0, stop = content["stop"]?.intValue
            entries = entries.filter { entry in entry.count >= start && (stop.map { entry.count < $0 } ?? true) }
        case "search":
            let pattern = content["pattern"]?.stringValue ?? "*"
            entries = entries.filter { fnmatch(pattern, $0.code, 0) == 0 }
            if content["unique"]?.boolValue == true {
                var seen = Set<String>()
                entries = entries.reversed().filter { seen.insert($0.code).inserted }.reversed()
            }
            if let n = content["n"]?.intValue { entries = Array(entries.suffix(max(0, n))) }
        default:
            if let n = content["n"]?.intValue { entries = Array(entries.suffix(max(0, n))) }
        }
        let rows: [OrderedJSON] = entries.map { entry in
            let input: OrderedJSON = .string(entry.code)
            let item: OrderedJSON = withOutput ? .array([input, entry.output.isEmpty ? .null : .string(entry.output)]) : input
            return .array([.int(1), .int(entry.count), item])
        }
        return jsonObject(["status": .string("ok"), "history": .array(rows)])
    }

    // MARK: - Sending

    private func reply(_ request: KernelMessage, on socket: KernelSocket, content: OrderedJSON) {
        let type = request.type.replacingOccurrences(of: "_request", with: "_reply")
        let message = KernelMessage(identities: request.identities, header: KernelMessage.header(type: type, session: session),
                                    parentHeader: request.header, content: content)
        socket.send(message.frames(signer: signer))
    }

    private func publish(_ type: String, parent: KernelMessage?, content: OrderedJSON) {
        let message = KernelMessage(identities: [Array(type.utf8)], header: KernelMessage.header(type: type, session: session),
                                    parentHeader: parent?.header ?? .object([]), content: content)
        let frames = message.frames(signer: signer)
        iopubLock.withLock { iopub.send(frames) }
    }

    private func publishStatus(_ state: String, parent: KernelMessage?) {
        publish("status", parent: parent, content: jsonObject(["execution_state": .string(state)]))
    }

    private func publishStream(_ name: String, _ text: String) {
        guard !text.isEmpty, let parent, parent.content["silent"]?.boolValue != true else { return }
        publish("stream", parent: parent, content: jsonObject(["name": .string(name), "text": .string(text)]))
    }

    private func log(_ text: String) {
        Console.error("flnb kernel: \(text)\n")
    }
}

extension OrderedJSON {
    /// This object with `key` appended.
    func adding(_ key: String, _ value: OrderedJSON) -> OrderedJSON {
        guard case .object(let members) = self else { return self }
        return .object(members + [.init(key: key, value: value)])
    }

    /// This object with the members of `other` appended.
    func merging(_ other: OrderedJSON) -> OrderedJSON {
        guard case .object(let members) = self, case .object(let more) = other else { return self }
        return .object(members + more)
    }
}
