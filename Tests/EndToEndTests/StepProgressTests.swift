import XCTest
import FLScript

/// A training step draws on the progress line of the interpreter that runs it (no process-wide
/// hook), and numbers tasks and epochs as the cursor beside it does.
final class StepProgressTests: XCTestCase {
    func testProgressGoesToTheSteppingInterpreterNumberedAsTheCursor() throws {
        var output = "", titles: [String] = [], epochs: [String] = []
        let stepping = FLSession.makeInterpreter(output: { output += $0 })
        stepping.progress = { title, _, _, fields in
            titles.append(title)
            epochs.append(fields.first { $0.key == "epoch" }?.value ?? "")
        }
        let other = FLSession.makeInterpreter(output: { _ in })
        other.progress = { _, _, _, _ in XCTFail("a step drew on another interpreter's progress line") }
        let result = stepping.run("""
            run = experiment(benchmark("seq-digits"), mlp(), lr: 0.03, epochs: 2, epochs_base: 2, seed: 1)
            run.step("batch", 3)
            print(run.cursor)
            """, echo: false)
        XCTAssertTrue(result.succeeded, result.errorText)
        XCTAssertEqual(output, "task 0 · primary · epoch 0 · batch 3\n")
        XCTAssertEqual(titles, Array(repeating: "task 0/5 primary", count: 3))
        XCTAssertEqual(epochs, Array(repeating: "0/2", count: 3))
    }
}
