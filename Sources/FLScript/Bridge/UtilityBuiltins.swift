import Foundation
import FLTensor
import FLData
import FLCore

func utilityBuiltins(_ state: SessionState) -> [Builtin] {
    [
        Builtin("seed", summary: "Sets the session seed: default seed of models and runs, and restarts randn/rand.",
                parameters: [.required("n", "seed")], example: "seed(1)") { a in
            let n = try a.int("n")
            state.seed = UInt64(bitPattern: Int64(n)); state.rng = RNG(seed: state.seed)
            return .null
        },
        Builtin("time", summary: "Calls f() and prints how long it took; returns f's value.",
                parameters: [.required("f", "a function of no arguments")], example: "time(fn() { run.step(\"task\") })") { a in
            let t0 = Date()
            let v = try a.interpreter.call(a["f"], [], named: [])
            a.interpreter.write(String(format: "time: %.3f s\n", Date().timeIntervalSince(t0)))
            return v
        },
        Builtin("plot", summary: "Plots an accuracy matrix (heat map, or per-task curves with kind: \"curves\"), a list of numbers, or a list of lists; file: writes SVG.",
                parameters: [.required("data", "accuracy, list, or list of lists"), .optional("kind", default: "auto", "\"heatmap\", \"curves\" or \"lines\""),
                             .optional("file", default: .null, "write an SVG file instead of printing"),
                             .optional("labels", default: .null, "series names"), .optional("title", default: .null, "title")],
                example: "plot(run.accuracy)") { a in
            let kind = try a.string("kind")
            let file = try a.optionalString("file")
            var labels: [String] = []
            if case .list(let l) = a["labels"] { labels = l.items.map { $0.asString ?? $0.repr } }
            let title = try a.optionalString("title")
            var text = "", svg = ""
            if case .object(let o as AccuracyObject) = a["data"] {
                let t = title ?? o.title
                if kind == "curves" {
                    let c = Plot.curves(o.matrix, title: t)
                    text = c.text; svg = Plot.linesSVG(c.series, labels: c.labels, title: t, xLabel: "after task", yLabel: "accuracy (%)")
                } else {
                    text = Plot.heatMap(o.matrix, title: t); svg = Plot.heatMapSVG(o.matrix, title: t)
                }
            } else {
                var series: [[Double?]] = []
                guard case .list(let l) = a["data"] else { throw ScriptError("plot: expected an accuracy matrix or a list of numbers, got \(a["data"].typeName)") }
                func nums(_ items: [Value]) throws -> [Double?] {
                    try items.map { v in
                        if v.isNull { return nil }
                        guard let x = v.asNumber else { throw ScriptError("plot: expected numbers, got \(v.typeName)") }
                        return x
                    }
                }
                if l.items.contains(where: { $0.asList != nil }) {
                    series = try l.items.map { v in
                        guard let inner = v.asList else { throw ScriptError("plot: mix of lists and numbers") }
                        return try nums(inner.items)
                    }
                } else { series = [try nums(l.items)] }
                let t = title ?? "plot"
                text = Plot.lines(series, labels: labels, title: t); svg = Plot.linesSVG(series, labels: labels, title: t)
            }
            if let file {
                try AtomicFile.write(svg, to: file)
                a.interpreter.write("wrote \(file)\n")
            } else if let display = a.interpreter.display {
                display([("image/svg+xml", svg), ("text/plain", text)])
            } else {
                a.interpreter.write(text + "\n")
            }
            return .null
        },
        Builtin("param", summary: "A notebook parameter: the value given by `flnb sweep --param NAME=…` (env FLNB_PARAM_NAME), else the default.",
                parameters: [.required("name", "parameter name"), .required("default", "value when not given")],
                example: "alpha_p = param(\"alpha_p\", 0.01)") { a in
            let name = try a.string("name")
            let def = a["default"]
            guard let text = ProcessInfo.processInfo.environment["FLNB_PARAM_" + name] else { return def }
            switch def {
            case .number:
                guard let x = Double(text) else { throw ScriptError("parameter \(name) = '\(text)' is not a number") }
                return Value(x)
            case .bool:
                guard let b = ["true": true, "false": false, "1": true, "0": false][text.lowercased()] else {
                    throw ScriptError("parameter \(name) = '\(text)' is not true or false")
                }
                return Value(b)
            default: return Value(text)
            }
        },
        Builtin("report", summary: "Records one result row (a dict of numbers and strings): appended as a JSON line to `path` when given, else to $FLNB_REPORT when set (flnb sweep collects them), printed otherwise.",
                parameters: [.required("row", "dict of results"), .optional("path", default: .null, "JSON-lines file to append the row to (created with its folder)")],
                example: "report({\"acc\": run.metrics.avg_acc})") { a in
            let d = try a.dict("row")
            var parts: [String] = []
            for (k, v) in d.entries {
                let key: String
                switch k { case .string(let s): key = s; case .number(let x): key = Value.formatNumber(x) }
                let val: String
                switch v {
                case .number(let x): val = x.isFinite ? String(x) : "null"
                case .bool(let b): val = b ? "true" : "false"
                case .null: val = "null"
                default: val = jsonQuote(v.asString ?? v.repr)
                }
                parts.append("\(jsonQuote(key)): \(val)")
            }
            let line = "{" + parts.joined(separator: ", ") + "}"
            if let path = try a.optionalString("path") ?? ProcessInfo.processInfo.environment["FLNB_REPORT"], !path.isEmpty {
                let folder = (path as NSString).deletingLastPathComponent
                if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
                // O_APPEND and one write per row: sessions recording into the same file at once
                // (a sweep's jobs, two restricted runs) never overwrite each other's lines.
                let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
                guard fd >= 0 else { throw ScriptError("report: cannot write \(path): \(String(cString: strerror(errno)))") }
                defer { close(fd) }
                let bytes = Array((line + "\n").utf8)
                let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                guard written == bytes.count else { throw ScriptError("report: writing \(path) failed") }
            } else {
                a.interpreter.write("report: \(line)\n")
            }
            return .null
        },
        Builtin("read_reports", summary: "The rows a notebook recorded with report(row, path: …): a list of dicts, one per line of the JSON-lines file.",
                parameters: [.required("path", "JSON-lines file written by report()")],
                example: "runs = read_reports(\"results/runs.jsonl\")") { a in
            Value(try ReportLines.read(try a.string("path")).map { Value.dict($0) })
        },
        Builtin("write_text", summary: "Writes text to a file atomically (tables, reports); creates the folder if needed.",
                parameters: [.required("path", "file to write"), .required("text", "its content")],
                example: "write_text(\"results/table.md\", table)") { a in
            let path = try a.string("path")
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            try AtomicFile.write(try a.string("text"), to: path)
            return .null
        },
        Builtin("mean_std", summary: "[mean, sample standard deviation] of a list of numbers.",
                parameters: [.required("values", "list of numbers")], example: "mean_std([70.1, 71.3, 69.8])") { a in
            let xs = try a.list("values").items.map { v -> Double in
                guard let x = v.asNumber else { throw ScriptError("mean_std: expected numbers, got \(v.typeName)") }
                return x
            }
            guard !xs.isEmpty else { throw ScriptError("mean_std: empty list") }
            let m = xs.reduce(0, +) / Double(xs.count)
            let sd = xs.count > 1 ? (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1)).squareRoot() : 0
            return Value([Value(m), Value(sd)])
        },
        Builtin("methods", summary: "Lists every method with its hyper-parameters.", example: "methods()") { a in
            for e in StrategyRegistry.entries {
                a.interpreter.write("\(e.name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(e.title): \(e.summary)\n")
            }
            return .null
        },
        Builtin("benchmarks", summary: "Lists the named benchmarks and whether their data is present.", example: "benchmarks()") { a in
            for s in BenchmarkSpec.all {
                a.interpreter.write("\(s.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(s.geometry.sizesDescription) classes · dataset \(s.dataset)\n")
            }
            a.interpreter.write(DatasetCatalog.listText())
            return .null
        },
        Builtin("version", summary: "flnb's version, its GEMM path and the OpenBLAS kernels in use.", example: "version()") { _ in
            Value("flnb \(flnbVersion) · \(GEMMPath.description) · OpenBLAS \(BLASInfo.coreName) · \(Parallel.threads) threads")
        },
    ]
}
