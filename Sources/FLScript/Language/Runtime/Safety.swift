import Foundation

/// Bounds on what one script run may consume, so a mistake cannot hang or crash a session.
public struct RunLimits: Sendable {
    /// Nested calls of script functions and builtins. A debug build needs about 15 KiB of
    /// stack per level, so 400 fits the usual 8 MiB thread stack; the stack guard catches the
    /// rest on smaller stacks.
    public var maxCallDepth = 400
    /// Statements, loop iterations and calls per `run`; nil for no limit.
    public var maxSteps: Int? = nil
    /// Elements in one list or characters in one string that operators and builtins may build.
    public var maxCollectionSize = 10_000_000
    /// How deeply lists and dicts may nest inside each other.
    public var maxValueNesting = 1_000

    /// Limits with the given bounds (the defaults suit an interactive session).
    public init(maxCallDepth: Int = 400, maxSteps: Int? = nil, maxCollectionSize: Int = 10_000_000) {
        self.maxCallDepth = maxCallDepth
        self.maxSteps = maxSteps
        self.maxCollectionSize = maxCollectionSize
    }
}

/// A flag that stops a running script with an "interrupted" error, leaving its state intact.
///
/// Setting it is a single store to memory allocated once, so a SIGINT handler may call
/// `set()`; the interpreter polls it at every statement, loop iteration and call. Touch
/// `InterruptFlag.shared` before installing the handler so the handler never runs its lazy
/// initialization.
public final class InterruptFlag: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Int32>

    /// A cleared flag.
    public init() {
        storage = .allocate(capacity: 1)
        storage.initialize(to: 0)
    }

    deinit { storage.deallocate() }

    /// The flag the command-line REPL's signal handler sets.
    public static let shared = InterruptFlag()

    /// Requests an interrupt (async-signal-safe).
    public func set() { storage.pointee = 1 }

    /// Withdraws a pending interrupt.
    public func clear() { storage.pointee = 0 }

    /// Whether an interrupt is pending.
    public var isSet: Bool { storage.pointee != 0 }
}

/// Thrown by a method Ctrl-C stopped after `units` units of work (a training step) that its
/// receiver's `step("unit", units)` redoes exactly; the call site, which knows the receiver's
/// source, writes that line into `RunResult.replay`.
public struct InterruptedStep: Error {
    public var message: String
    public var units: Int
}

/// Detects when the native stack is nearly exhausted, so deep recursion in the tree-walker
/// fails with a diagnostic instead of a crash, whatever thread (and stack size) runs it.
struct StackGuard {
    /// Stack addresses below this are too deep (stacks grow down on every platform we build for).
    private let floor: UInt

    /// Keeps a quarter of the stack, at most 512 KiB, free for builtins and objects called
    /// near the limit.
    init() {
        if let (low, size) = StackGuard.currentThreadStack() {
            floor = low + min(512 * 1024, size / 4)
        } else {
            floor = 0
        }
    }

    var isExhausted: Bool {
        var marker: UInt8 = 0
        let address = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        return address < floor
    }

    /// The lowest address and size of the current thread's stack, when the platform says.
    private static func currentThreadStack() -> (low: UInt, size: UInt)? {
        #if os(Linux)
        // pthread_getattr_np is a GNU extension Glibc's Swift overlay does not export.
        typealias GetAttr = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_getattr_np") else { return nil }
        let getAttributes = unsafeBitCast(symbol, to: GetAttr.self)
        var attributes = pthread_attr_t()
        guard getAttributes(pthread_self(), &attributes) == 0 else { return nil }
        defer { pthread_attr_destroy(&attributes) }
        var address: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attributes, &address, &size) == 0, let address else { return nil }
        return (UInt(bitPattern: address), UInt(size))
        #elseif canImport(Darwin)
        let top = UInt(bitPattern: pthread_get_stackaddr_np(pthread_self()))
        let size = UInt(pthread_get_stacksize_np(pthread_self()))
        return (top - size, size)
        #else
        return nil
        #endif
    }
}
