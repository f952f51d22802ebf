import Testing
@testable import FLScript

private let sample = """
    # flnb 1
    # %% [markdown]
    # # Flashback on Split-Digits
    # Text lines start with "# ".
    #
    # %%
    x = 2
    x * 3
    #> 6

    # %% setup
    fn half(v) { v / 2 }
    print("half:", half(x))
    #> half: 1

    """

private func runner(_ notebook: Notebook, stopOnError: Bool = false,
                    tolerance: OutputTolerance = OutputTolerance()) -> NotebookRunner {
    NotebookRunner(interpreter: Interpreter(output: { _ in }, interruptFlag: InterruptFlag()), fileName: "nb.flnb",
                   stopOnError: stopOnError, tolerance: tolerance)
}

@Suite("Notebooks")
struct NotebookTests {
    @Test func parsesCellsKindsCodeOutputsAndLineNumbers() {
        let notebook = Notebook(parsing: sample)
        #expect(notebook.formatLine == "# flnb 1")
        #expect(notebook.cells.map(\.kind) == [.markdown, .code, .code])
        #expect(notebook.cells[0].markdown == "# Flashback on Split-Digits\nText lines start with \"# \".\n")
        #expect(notebook.cells[1].code == "x = 2\nx * 3")
        #expect(notebook.cells[1].outputs == ["6"])
        #expect(notebook.cells[1].trailingLines == [""])
        #expect(notebook.cells[2].header == "# %% setup")
        #expect(notebook.cells[2].outputs == ["half: 1"])
        #expect(notebook.cells.map(\.line) == [2, 6, 11])
        #expect(notebook.cells[1].codeLine == 7)
        #expect(notebook.cells[1].outputLine == 9)
    }

    @Test(arguments: [
        sample,
        String(sample.dropLast()),                                   // no final newline
        "# flnb 1\n# %%\nx = 1\n#> 1\n#>\n#>   indented  \n",          // empty and space-padded output lines
        "x = 1\nprint(x)\n#> 1\n",                                   // a plain script: one implicit cell
        "# flnb 1\n\n# %%\r\ny = 1\r\n",                              // a blank preamble and CRLF lines
        "# flnb 1\n# %%\n# %%\n\n\n# %% [markdown]\n# %% [markdown]\n",  // empty cells
        "",
    ])
    func writingAParsedNotebookReproducesItByteForByte(_ text: String) {
        #expect(Notebook(parsing: text).text == text)
    }

    @Test func warnIsRecordedWithTheCellsOutputInOrder() {
        let notebook = Notebook(parsing: "# flnb 1\n# %%\nprint(1)\nwarn(\"careful\", 2)\nprint(3)\n")
        let runner = runner(notebook)
        var errorSink = ""
        runner.interpreter.errorOutput = { errorSink += $0 }
        let run = runner.run(notebook)
        #expect(run.succeeded)
        #expect(run.cells[0].output == ["1", "careful 2", "3"])
        #expect(errorSink.isEmpty, "without forwarding, the notebook's record is the only place warn goes")
        let updated = runner.update(notebook, with: run)
        #expect(runner.check(updated).passed, "a recorded warning checks like any output")
    }

    @Test func runCapturesEachCellsOutputIncludingErrors() {
        let notebook = Notebook(parsing: sample + "# %%\nhalf(nope)\n# %%\nx + 1\n")
        let run = runner(notebook).run(notebook)
        #expect(run.cells.map(\.cellIndex) == [1, 2, 3, 4])
        #expect(run.cells[0].output == ["6"])
        #expect(run.cells[1].output == ["half: 1"])
        #expect(run.cells[2].output == [
            "nb.flnb:16:6: error: unknown name 'nope'",
            "half(nope)",
            "     ^~~~",
        ])
        #expect(run.cells[3].output == ["3"], "an error leaves the session usable")
        #expect(!run.succeeded)
        #expect(run.firstError?.message == "unknown name 'nope'")
    }

    @Test func stopOnErrorSkipsTheRemainingCells() {
        let notebook = Notebook(parsing: "# flnb 1\n# %%\n1 / 0\n# %%\n2\n")
        let run = runner(notebook, stopOnError: true).run(notebook)
        #expect(run.cells.count == 1)
        let check = runner(notebook, stopOnError: true).check(notebook)
        #expect(check.mismatches.map(\.cellNumber) == [1, 2])
        #expect(check.mismatches[1].got == nil)
        #expect(check.diff.contains("@@ cell 2 (line 5) was not run: an earlier cell failed @@"))
    }

    @Test func updateRewritesOutputsAndKeepsEverythingElse() {
        let stale = """
            # flnb 1
            # %% [markdown]
            # Intro
            # %%
            x = 3
            x * 3
            #> 6
            #> stale extra line

            # %%
            print("a\\nb")
            for i in 0..<2 { print(i) }
            # %%
            y = 1
            """
        let notebook = Notebook(parsing: stale)
        let (updated, run) = runner(notebook).runAndUpdate(notebook)
        #expect(run.succeeded)
        #expect(updated.text == """
            # flnb 1
            # %% [markdown]
            # Intro
            # %%
            x = 3
            x * 3
            #> 9

            # %%
            print("a\\nb")
            for i in 0..<2 { print(i) }
            #> a
            #> b
            #> 0
            #> 1
            # %%
            y = 1
            """)
        #expect(updated.cells.map(\.line) == [2, 4, 9, 16])
        #expect(runner(updated).check(updated).passed)
    }

    @Test func updateKeepsNoCheckMarkers() {
        let notebook = Notebook(parsing: "# flnb 1\n# %%\nprint(\"took\", 5, \"steps\")\n#> took 3 steps  # no-check\n")
        let (updated, _) = runner(notebook).runAndUpdate(notebook)
        #expect(updated.text == "# flnb 1\n# %%\nprint(\"took\", 5, \"steps\")\n#> took 5 steps  # no-check\n")
    }

    // MARK: - Checking

    func check(expected: String, code: String, tolerance: OutputTolerance = OutputTolerance()) -> CheckResult {
        let notebook = Notebook(parsing: "# flnb 1\n# %%\n\(code)\n\(expected.split(separator: "\n").map { "#> " + $0 }.joined(separator: "\n"))\n")
        return runner(notebook, tolerance: tolerance).check(notebook)
    }

    @Test(arguments: [
        ("acc 0.91234", "print(\"acc\", 0.912345)"),            // relative difference 5e-6
        ("loss 1e-07", "print(\"loss\", 1.5e-7)"),              // absolute difference 5e-8
        ("[0.5, 2]", "[0.50001, 2]"),                            // inside an echoed list
        ("5 tasks (2+2+2+2+2 classes) · 1×8×8", "print(\"5 tasks (2+2+2+2+2 classes) · 1×8×8\")"),
        ("epoch 3: 12.5 ms/batch, 850 img/s, ETA 2 min", "print(\"epoch 3: 3.1 ms/batch, 1201.5 img/s, ETA 40 s\")"),
        ("took 1.5s (3 it/s) in 2 h", "print(\"took 0.2s (90 it/s) in 1 h\")"),
        ("seed 7 # no-check", "print(\"seed 8\")"),
        ("trailing", "print(\"trailing   \")"),
        ("resnet18", "print(\"resnet18\")"),
    ])
    func checkPassesWithinToleranceMaskedTimingsAndNoCheck(_ expected: String, _ code: String) {
        let result = check(expected: expected, code: code)
        #expect(result.passed, "\(result.diff)")
        #expect(result.diff == "")
    }

    @Test(arguments: [
        ("acc 0.912", "print(\"acc\", 0.845)"),
        ("acc 0.91234", "print(\"acc\", 0.9125)"),         // relative difference 1.8e-4
        ("5 tasks", "print(\"6 tasks\")"),
        ("resnet18", "print(\"resnet19\")"),
        ("12.5 ms", "print(\"12.5 mb\")"),                   // a size, not a time: compared
        ("3 heads", "print(\"4 heads\")"),                   // 'h' inside a word is no unit
        ("Acc 1", "print(\"acc 1\")"),
        ("a b", "print(\"a  b\")"),
    ])
    func checkFailsOutsideToleranceAndOnTextDifferences(_ expected: String, _ code: String) {
        #expect(!check(expected: expected, code: code).passed)
    }

    @Test func toleranceIsConfigurable() {
        #expect(!check(expected: "0.5", code: "0.51").passed)
        #expect(check(expected: "0.5", code: "0.51", tolerance: OutputTolerance(relative: 0.05, absolute: 0)).passed)
        #expect(!check(expected: "0", code: "1e-5", tolerance: OutputTolerance(relative: 0, absolute: 1e-6)).passed)
        #expect(check(expected: "0", code: "1e-5", tolerance: OutputTolerance(relative: 0, absolute: 1e-4)).passed)
    }

    @Test func checkReportsStructuredMismatchesAndAUnifiedDiff() {
        let text = """
            # flnb 1
            # %% [markdown]
            # Two cells.
            # %%
            print("tasks 5")
            print("acc 0.93")
            print("done")
            #> tasks 5
            #> acc 0.91
            #> done
            # %%
            print("one")
            print("two")
            #> one
            """
        let notebook = Notebook(parsing: text)
        let result = runner(notebook).check(notebook)
        #expect(!result.passed)
        #expect(result.mismatches.map(\.cellNumber) == [2, 3])
        #expect(result.mismatches[0].line == 8)
        #expect(result.mismatches[0].differences.map { "\($0.line) \($0.expected ?? "∅") → \($0.got ?? "∅")" } == [
            "9 acc 0.91 → acc 0.93",
        ])
        #expect(result.mismatches[1].differences.map { "\($0.line) \($0.expected ?? "∅") → \($0.got ?? "∅")" } == [
            "15 ∅ → two",
        ])
        #expect(result.diff == """
            --- nb.flnb (recorded)
            +++ nb.flnb (this run)
            @@ -8,3 +8,3 @@ cell 2
             #> tasks 5
            -#> acc 0.91
            +#> acc 0.93
             #> done
            @@ -14,1 +14,2 @@ cell 3
             #> one
            +#> two

            """)
    }

    @Test func checkPassesOnAnErrorCellWhoseDiagnosticWasRecorded() {
        let text = "# flnb 1\n# %%\nlambda = 1\nlamda\n#> nb.flnb:4:1: error: unknown name 'lamda'; did you mean 'lambda'?\n#> lamda\n#> ^~~~~\n"
        let notebook = Notebook(parsing: text)
        let result = runner(notebook).check(notebook)
        #expect(result.passed, "\(result.diff)")
    }

    @Test func appendingCellsBuildsASavableSession() {
        var notebook = Notebook()
        notebook.appendMarkdown("LanguageSession\n\nnotes")
        notebook.appendCode("x = 1\nx + 1", outputs: ["2"])
        #expect(notebook.text == "# flnb 1\n# %% [markdown]\n# LanguageSession\n#\n# notes\n# %%\nx = 1\nx + 1\n#> 2\n")
        let reparsed = Notebook(parsing: notebook.text)
        #expect(reparsed.cells.map(\.line) == notebook.cells.map(\.line))
        #expect(runner(reparsed).check(reparsed).passed)
    }
}
