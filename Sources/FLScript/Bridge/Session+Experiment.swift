import Foundation
import FLTensor
import FLData
import FLCore

func experimentBuiltins(_ state: SessionState) -> [Builtin] {
    [
        Builtin("benchmark", summary: "A class-incremental benchmark by name (seq-digits, seq-mnist5k, seq-mnist, seq-fmnist, seq-cifar10, seq-cifar100, seq-cifar100-b50, seq-tinyimg).",
                parameters: [.required("name", "benchmark name"), .optional("seed", default: .null, "permute the class order with this seed (default: natural order)"),
                             .optional("c0", default: .null, "classes in task 0"), .optional("k", default: .null, "classes per later task"),
                             .optional("tasks", default: .null, "number of tasks"), .optional("root", default: .null, "data folder (default: ./data or $FLNB_DATA)"),
                             .optional("validation", default: .null, "hold out this % of the training set and evaluate on it instead of the test set"),
                             .optional("limit", default: .null, "use at most this many training images per task (a seeded subset)"),
                             .optional("test_limit", default: .null, "use at most this many test images per task")],
                example: "bench = benchmark(\"seq-digits\")") { a in
            var spec: [String: String] = ["name": try a.string("name")]
            if let s = try a.optionalInt("seed") { spec["class_order_seed"] = String(s) }
            if let v = try a.optionalInt("c0") { spec["c0"] = String(v) }
            if let v = try a.optionalInt("k") { spec["k"] = String(v) }
            if let v = try a.optionalInt("tasks") { spec["t"] = String(v) }
            if let v = try a.optionalString("root") { spec["root"] = v }
            if let v = try a.optionalInt("validation") { spec["validation"] = String(v) }
            if let v = try a.optionalInt("limit") { spec["limit"] = String(v) }
            if let v = try a.optionalInt("test_limit") { spec["test_limit"] = String(v) }
            let data = try BenchmarkLoader.load(spec)
            return .object(BenchmarkObject(data: data, spec: spec))
        },
        Builtin("benchmark_npz", summary: "A benchmark from your own arrays: an .npz with x_train, y_train (and optionally x_test, y_test).",
                parameters: [.required("path", ".npz file"), .optional("c0", default: 2, "classes in task 0"), .optional("k", default: 2, "classes per later task"),
                             .optional("tasks", default: 5, "number of tasks"), .optional("name", default: .null, "benchmark name"),
                             .optional("seed", default: .null, "class-order seed")],
                example: "bench = benchmark_npz(\"mine.npz\", c0: 2, k: 2, tasks: 5)") { a in
            let path = try a.string("path")
            var spec: [String: String] = ["npz": path, "name": try a.optionalString("name") ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                                          "c0": String(try a.int("c0")), "k": String(try a.int("k")), "t": String(try a.int("tasks"))]
            if let s = try a.optionalInt("seed") { spec["class_order_seed"] = String(s) }
            return .object(BenchmarkObject(data: try BenchmarkLoader.load(spec), spec: spec))
        },
        Builtin("experiment", summary: "A run of a method (optionally with Flashback) on a benchmark; step it with run.step(\"task\").",
                parameters: [.required("bench", "a benchmark"), .required("net", "a model (sizes come from the benchmark)"),
                             .optional("strategy", default: .null, "a method (default: sgd())"),
                             .optional("flashback", default: .null, "flashback(…) or nil"),
                             .optional("lr", default: 0.1, "learning rate"), .optional("momentum", default: 0, "SGD momentum"),
                             .optional("wd", default: 0, "weight decay"), .optional("batch", default: 32, "batch size"),
                             .optional("minibatch", default: .null, "replay batch size (default: batch)"),
                             .optional("epochs", default: 1, "epochs per task (Phase 1)"),
                             .optional("epochs_base", default: .null, "epochs of task 0 (default: epochs)"),
                             .optional("milestones", default: Value([Value]()), "MultiStepLR milestones of Phase 1 (sch)"),
                             .optional("milestones_base", default: .null, "milestones of task 0 (sch0; default: milestones)"),
                             .optional("gamma", default: 0.1, "MultiStepLR factor"),
                             .optional("seed", default: .null, "seed of the run (default: the session seed)"),
                             .optional("carry_optimizer", default: false, "reuse the previous phase's optimizer in Phase 1 (the reference's behaviour)")],
                example: "run = experiment(bench, mlp(), strategy: lwf_mc(), flashback: flashback(alpha_p: 0.01, epochs: 2), lr: 0.1, epochs: 4, seed: 1)") { a in
            let bench = try a.object("bench", as: BenchmarkObject.self, "a benchmark")
            let model = try a.object("net", as: ModelObject.self, "a model")
            var method = MethodObject(name: "sgd", options: [:])
            if !a["strategy"].isNull { method = try a.object("strategy", as: MethodObject.self, "a method such as lwf_mc()") }
            var fb: FlashbackConfig? = nil
            if !a["flashback"].isNull { fb = try a.object("flashback", as: FlashbackObject.self, "flashback(…)").config }
            var cfg = ExperimentConfig()
            cfg.lr = Float(try a.number("lr")); cfg.momentum = Float(try a.number("momentum")); cfg.weightDecay = Float(try a.number("wd"))
            cfg.batchSize = try a.int("batch"); cfg.replayBatchSize = try a.optionalInt("minibatch")
            cfg.epochsCL = try a.int("epochs"); cfg.epochsBase = try a.optionalInt("epochs_base") ?? cfg.epochsCL
            cfg.milestonesCL = try shapeArgument(a.list("milestones").items, name: "milestones")
            if case .list(let l) = a["milestones_base"] { cfg.milestonesBase = try shapeArgument(l.items, name: "milestones_base") }
            else { cfg.milestonesBase = cfg.milestonesCL }
            cfg.gamma = Float(try a.number("gamma"))
            cfg.seed = try a.optionalInt("seed").map { UInt64(bitPattern: Int64($0)) } ?? state.seed
            cfg.carryOverOptimizer = try a.bool("carry_optimizer")
            let data = bench.data
            try model.bind(inputShape: data.inputShape, classes: data.geometry.totalClasses)
            // Each run trains its own copy: the same model value can start several runs.
            let net = try model.spec.build()
            let strategy = try StrategyRegistry.make(method.name, options: method.options)
            let exp = try Experiment(data: data, net: net, strategy: strategy, config: cfg, flashback: fb)
            let recipe = ExperimentRecipe(backbone: model.spec, data: bench.spec, strategy: method.name, strategyOptions: method.options,
                                          config: cfg, flashback: fb)
            return .object(ExperimentObject(experiment: exp, recipe: recipe, benchmark: bench, interpreter: a.interpreter))
        },
        Builtin("save", summary: "Snapshot a run (models, buffer, knowledge, optimizer, RNG, cursor, metrics) to a file.",
                parameters: [.required("run", "an experiment"), .required("path", "file to write")],
                example: "save(run, \"after-task-2.ckpt\")") { a in
            let run = try a.object("run", as: ExperimentObject.self, "an experiment")
            try Snapshot.save(run.experiment, recipe: run.recipe, to: try a.string("path"))
            return .null
        },
        Builtin("restore", summary: "A new run from a snapshot file: the state at the moment it was saved (a fork).",
                parameters: [.required("path", "snapshot file")], example: "fork = restore(\"after-task-2.ckpt\")") { a in
            var loaded: BenchmarkObject? = nil
            let (exp, recipe) = try Snapshot.restore(from: try a.string("path")) { spec in
                let d = try BenchmarkLoader.load(spec)
                loaded = BenchmarkObject(data: d, spec: spec)
                return d
            }
            return .object(ExperimentObject(experiment: exp, recipe: recipe, benchmark: loaded!, interpreter: a.interpreter))
        },
        Builtin("line_position", summary: "Where model m lies relative to the line from a to b: [α, off] with α the projection of θm − θa on θb − θa (0 at a, 1 at b) and off the distance from the line relative to ‖θb − θa‖.",
                parameters: [.required("m", "the model to place"), .required("a", "start of the line"), .required("b", "end of the line")],
                example: "line_position(run.model, run.old_model, run.primary_model)") { a in
            let m = try a.object("m", as: ModelObject.self, "a model").network()
            let na = try a.object("a", as: ModelObject.self, "a model").network()
            let nb = try a.object("b", as: ModelObject.self, "a model").network()
            let (pm, pa, pb) = (m.parameters(), na.parameters(), nb.parameters())
            guard pm.count == pa.count, pa.count == pb.count else { throw ScriptError("line_position: the models have different architectures") }
            var dot = 0.0, dd = 0.0, mm = 0.0
            for ((x, y), z) in zip(zip(pm, pa), pb) {
                guard x.shape == y.shape, y.shape == z.shape else { throw ScriptError("line_position: the models have different architectures") }
                for i in 0..<x.count {
                    let d = Double(z.data[i] - y.data[i]), v = Double(x.data[i] - y.data[i])
                    dot += d * v; dd += d * d; mm += v * v
                }
            }
            guard dd > 0 else { throw ScriptError("line_position: a and b are the same model") }
            let alpha = dot / dd
            let off = max(0, mm - alpha * alpha * dd).squareRoot() / dd.squareRoot()
            return Value([Value(alpha), Value(off)])
        },
        Builtin("interpolate", summary: "Models on the straight line from a to b: θ(α) = (1−α)·θa + α·θb for α = 0 … 1 (batch-norm statistics too).",
                parameters: [.required("a", "model at α = 0"), .required("b", "model at α = 1"), .optional("steps", default: 11, "number of points")],
                example: "path = interpolate(run.old_model, run.primary_model, steps: 11)") { a in
            let ma = try a.object("a", as: ModelObject.self, "a model"), mb = try a.object("b", as: ModelObject.self, "a model")
            let na = try ma.network(), nb = try mb.network()
            let steps = try a.int("steps")
            guard steps >= 2 else { throw ScriptError("steps: at least 2", argument: "steps") }
            let sa = na.stateDict(), sb = nb.stateDict()
            guard sa.map(\.0) == sb.map(\.0), zip(sa, sb).allSatisfy({ $0.1.shape == $1.1.shape }) else {
                throw ScriptError("interpolate: the two models have different architectures")
            }
            var out: [Value] = []
            for k in 0..<steps {
                let alpha = Float(k) / Float(steps - 1)
                let m = na.copy() as! Network
                for ((_, t), ((_, x), (_, y))) in zip(m.stateDict(), zip(sa, sb)) {
                    for i in 0..<t.count { t.data[i] = (1 - alpha) * x.data[i] + alpha * y.data[i] }
                }
                m.eval()
                out.append(.object(ModelObject(network: m, spec: ma.spec)))
            }
            return Value(out)
        },
    ]
}

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

