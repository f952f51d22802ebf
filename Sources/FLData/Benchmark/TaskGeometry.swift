/// The class-incremental shape of a benchmark: C0 classes in task 0, then K classes in each of
/// the T − 1 later tasks (C0 + (T−1)·K classes in all).
///
/// Task t holds the (relabelled) classes [offset(t), offset(t) + size(t)), with offset(0) = 0,
/// size(0) = C0, offset(t) = C0 + (t−1)·K and size(t) = K for t ≥ 1.
public struct TaskGeometry: Sendable, Equatable, CustomStringConvertible {
    /// C0: classes in the first task.
    public var initialClasses: Int
    /// K: classes in each later task.
    public var classesPerTask: Int
    /// T: number of tasks.
    public var tasks: Int

    public init(initialClasses: Int, classesPerTask: Int, tasks: Int) {
        self.initialClasses = initialClasses
        self.classesPerTask = classesPerTask
        self.tasks = tasks
    }

    /// Classes used by all tasks together.
    public var totalClasses: Int { initialClasses + max(0, tasks - 1) * classesPerTask }

    /// The first class of task t.
    public func offset(ofTask t: Int) -> Int { t == 0 ? 0 : initialClasses + (t - 1) * classesPerTask }

    /// The number of classes of task t.
    public func size(ofTask t: Int) -> Int { t == 0 ? initialClasses : classesPerTask }

    /// The classes of task t.
    public func classes(ofTask t: Int) -> Range<Int> { offset(ofTask: t)..<(offset(ofTask: t) + size(ofTask: t)) }

    /// The task a (relabelled) class belongs to, or nil when no task uses it.
    public func task(ofClass c: Int) -> Int? {
        guard c >= 0, c < totalClasses else { return nil }
        if c < initialClasses { return 0 }
        return 1 + (c - initialClasses) / classesPerTask
    }

    /// Checks the geometry against a dataset's number of classes.
    public func validate(classCount: Int, benchmark: String) throws {
        func bad(_ m: String) -> DataError { DataError(path: nil, "\(benchmark): \(m)") }
        guard tasks >= 1 else { throw bad("geometry \(self) needs at least 1 task, found T = \(tasks)") }
        guard initialClasses >= 1 else { throw bad("geometry \(self) needs at least 1 class in task 0, found C0 = \(initialClasses)") }
        guard tasks == 1 || classesPerTask >= 1 else { throw bad("geometry \(self) needs at least 1 class per later task, found K = \(classesPerTask)") }
        guard initialClasses <= classCount else {
            throw bad("geometry \(self) puts \(initialClasses) classes in task 0, but the dataset has only \(classCount) classes")
        }
        guard totalClasses <= classCount else {
            throw bad("geometry \(self) needs C0 + (T−1)·K = \(initialClasses) + \(tasks - 1)·\(classesPerTask) = \(totalClasses) classes, but the dataset has only \(classCount)")
        }
    }

    /// "2+2×4" (C0 + K × (T−1)).
    public var description: String { tasks <= 1 ? "\(initialClasses)" : "\(initialClasses)+\(classesPerTask)×\(tasks - 1)" }

    /// "2+2+2+2+2": every task's size.
    public var sizesDescription: String { (0..<max(tasks, 0)).map { String(size(ofTask: $0)) }.joined(separator: "+") }
}
