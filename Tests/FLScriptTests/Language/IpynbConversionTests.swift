import Foundation
import Testing
@testable import FLScript

/// `.flnb` ⇄ `.ipynb`: byte-exact round trips, what Jupyter sees, and errors that name the cell and field.
@Suite("Notebook ⇄ ipynb")
struct IpynbConversionTests {
    static let packageRoot: URL = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
            folder = folder.deletingLastPathComponent()
        }
        return folder
    }()

    static let notebookPaths: [String] = {
        let root = packageRoot.appendingPathComponent("notebooks")
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".flnb") }.sorted().map { root.appendingPathComponent($0).path }
    }()

    func roundTrip(_ text: String) throws -> String {
        let json = try OrderedJSON.parse(Notebook(parsing: text).ipynb.text)
        return try Notebook(ipynb: json).text
    }

    @Test("every notebook under notebooks/ survives .flnb → .ipynb → .flnb byte for byte")
    func allNotebooksRoundTrip() throws {
        #expect(Self.notebookPaths.count >= 10)
        for path in Self.notebookPaths {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(try roundTrip(text) == text, "\(path)")
        }
    }

    @Test("odd spellings round-trip too", arguments: [
        "x = 1\n#> 1\n",                                   // a plain script: no format line, no header
        "# flnb 1\n# %% title\nx\n#>x\n#>\n\n\n# %% [markdown]\n#text\n#  two spaces\n",
        "# flnb 1\n# %%\n",                                // an empty cell
        "# flnb 1\n# %%\nx = 1",                           // no final newline
        "# flnb 1\n# %%\nx = 1\n\n#> 1\n   \n",          // a blank line inside, spaces after
    ])
    func oddSpellings(_ text: String) throws {
        #expect(try roundTrip(text) == text)
    }

    @Test("Jupyter sees markdown text, code, and recorded outputs as a stdout stream")
    func whatJupyterSees() throws {
        let json = Notebook(parsing: "# flnb 1\n# %% [markdown]\n# # Title\n#\n# body\n# %%\nx = 2\nx * 3\n#> 6\n").ipynb
        #expect(json["nbformat"]?.intValue == 4)
        #expect(json["metadata"]?["kernelspec"]?["name"]?.stringValue == "flnb")
        #expect(json["metadata"]?["language_info"]?["name"]?.stringValue == "flscript")
        let cells = try #require(json["cells"]?.arrayValue)
        #expect(cells.count == 2)
        #expect(cells[0]["cell_type"]?.stringValue == "markdown")
        #expect(Notebook.multiline(cells[0]["source"]) == "# Title\n\nbody")
        #expect(Notebook.multiline(cells[1]["source"]) == "x = 2\nx * 3")
        let output = try #require(cells[1]["outputs"]?.arrayValue?.first)
        #expect(output["output_type"]?.stringValue == "stream")
        #expect(Notebook.multiline(output["text"]) == "6\n")
        #expect(cells[1]["metadata"]?["flnb"] == nil, "nothing extra for a plain cell")
    }

    @Test("a notebook made in Jupyter: results, displays and errors become #> lines; edits win over stored lines")
    func fromJupyter() throws {
        let text = """
            {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
             {"cell_type": "markdown", "metadata": {}, "source": ["# Hi\\n", "there"]},
             {"cell_type": "code", "metadata": {"flnb": {"lines": ["old()", "#>old"]}}, "execution_count": 3, "source": "a = 1\\na + 1",
              "outputs": [{"output_type": "stream", "name": "stdout", "text": "printed\\n"},
                          {"output_type": "display_data", "data": {"text/plain": "progress"}, "metadata": {"flnb_progress": true}},
                          {"output_type": "execute_result", "execution_count": 3, "data": {"text/plain": "2"}, "metadata": {}},
                          {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["\\u001b[31mboom\\u001b[0m", "  ^"]}]}
            ]}
            """
        let notebook = try Notebook(ipynb: OrderedJSON.parse(text))
        #expect(notebook.text == "# flnb 1\n# %% [markdown]\n# # Hi\n# there\n# %%\na = 1\na + 1\n#> printed\n#> 2\n#> boom\n#>   ^\n")
    }

    @Test("a broken .ipynb names the cell and the field", arguments: [
        (#"{"cells": []}"#, "nbformat: missing"),
        (#"{"nbformat": 3, "cells": []}"#, "nbformat: version 3"),
        (#"{"nbformat": 4, "cells": [{"cell_type": "code", "source": "x"}, {"cell_type": "code", "source": 5}]}"#, "cell 1: source:"),
        (#"{"nbformat": 4, "cells": [{"cell_type": "picture", "source": ""}]}"#, "cell 0: cell_type: 'picture'"),
        (#"{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "stream"}]}]}"#, "cell 0: outputs[0].text:"),
        (#"{"nbformat": 4, "cells": [{"source": ""}]}"#, "cell 0: cell_type: missing"),
    ])
    func brokenIpynb(_ text: String, _ expected: String) throws {
        do {
            _ = try Notebook(ipynb: OrderedJSON.parse(text))
            Issue.record("no error for \(text)")
        } catch let error as Notebook.IpynbError {
            #expect(error.description.hasPrefix(expected), "\(error)")
        }
    }
}
