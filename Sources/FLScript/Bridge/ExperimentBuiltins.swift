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
            var r = BenchmarkRecipe(name: try a.string("name"))
            r.classOrderSeed = try classOrderSeed(a)
            r.initialClasses = try a.optionalInt("c0"); r.classesPerTask = try a.optionalInt("k"); r.tasks = try a.optionalInt("tasks")
            r.dataRoot = try a.optionalString("root"); r.validationPercent = try a.optionalInt("validation")
            r.trainLimit = try a.optionalInt("limit"); r.testLimit = try a.optionalInt("test_limit")
            return .object(BenchmarkObject(data: try r.continualData(), recipe: r))
        },
        Builtin("benchmark_npz", summary: "A benchmark from your own arrays: an .npz with x_train, y_train (and optionally x_test, y_test).",
                parameters: [.required("path", ".npz file"), .optional("c0", default: 2, "classes in task 0"), .optional("k", default: 2, "classes per later task"),
                             .optional("tasks", default: 5, "number of tasks"), .optional("name", default: .null, "benchmark name"),
                             .optional("seed", default: .null, "class-order seed")],
                example: "bench = benchmark_npz(\"mine.npz\", c0: 2, k: 2, tasks: 5)") { a in
            let path = try a.string("path")
            var r = BenchmarkRecipe(name: try a.optionalString("name") ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
            r.npz = path
            r.initialClasses = try a.int("c0"); r.classesPerTask = try a.int("k"); r.tasks = try a.int("tasks")
            r.classOrderSeed = try classOrderSeed(a)
            return .object(BenchmarkObject(data: try r.continualData(), recipe: r))
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
            let recipe = ExperimentRecipe(backbone: model.spec, data: bench.recipe, strategy: method.name, strategyOptions: method.options,
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
            let (exp, recipe) = try Snapshot.restore(from: try a.string("path"))
            return .object(ExperimentObject(experiment: exp, recipe: recipe, benchmark: BenchmarkObject(data: exp.data, recipe: recipe.data),
                                            interpreter: a.interpreter))
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

/// A benchmark's class-order seed argument (a snapshot stores it as an unsigned number).
private func classOrderSeed(_ a: CallArguments) throws -> UInt64? {
    guard let s = try a.optionalInt("seed") else { return nil }
    guard s >= 0 else { throw ScriptError("\(a.signature.name): seed must be 0 or more (got \(s))") }
    return UInt64(s)
}
