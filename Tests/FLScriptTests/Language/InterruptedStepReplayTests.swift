import Foundation
import Testing
@testable import FLScript

/// A run whose `step` either completes or, when `stops`, is interrupted after 7 units.
private final class FakeRun: ScriptObject {
    let stops: Bool
    init(stops: Bool) { self.stops = stops }
    var typeName: String { "run" }
    func member(_ name: String) throws -> Value? {
        guard name == "step" else { return nil }
        return .builtin(Builtin("run.step", summary: "Steps.", parameters: [.optional("unit", default: "task", "unit")]) { _ in
            if self.stops { throw InterruptedStep(message: "interrupted at task 0", units: 7) }
            return .null
        })
    }
}

/// The call site writes an interrupted step's replay line from the receiver it was called on,
/// and only where replaying it redoes exactly what the input did.
@Suite("Interrupted steps")
struct InterruptedStepReplayTests {
    static let line = "stopped.step(\"unit\", 7)  # an interrupted step, replayed exactly"

    func replay(of input: String) -> RunResult {
        let interpreter = Interpreter(output: { _ in }, interruptFlag: InterruptFlag())
        interpreter.setGlobal("stopped", .object(FakeRun(stops: true)))
        interpreter.setGlobal("done", .object(FakeRun(stops: false)))
        return interpreter.run(input)
    }

    @Test func theStepIsReplayedOnItsReceiverWithTheUnitsItCompleted() {
        let result = replay(of: "stopped.step(\"task\")")
        #expect(result.diagnostics.first?.message == "interrupted at task 0")
        #expect(result.replay == Self.line)
        #expect(replay(of: "x = stopped.step()").replay == Self.line, "the assignment did not happen either")
    }

    @Test func whatRanBeforeTheStepIsKeptAndWhatFollowsItIsNot() {
        #expect(replay(of: "done.step()\nx = 1; stopped.step(\"task\"); done.step()\ny = 2").replay == "done.step()\nx = 1; " + Self.line)
    }

    @Test func aStepThatIsNotItsWholeStatementIsNotReplayed() {
        #expect(replay(of: "for i in range(2) { done.step(); stopped.step() }").replay == nil)
        #expect(replay(of: "fn f() { stopped.step() }\nf()").replay == nil)
        #expect(replay(of: "[stopped.step()]").replay == nil)
    }

    @Test func otherErrorsHaveNoReplay() {
        #expect(replay(of: "done.step()\nundefined_name").replay == nil)
    }
}
