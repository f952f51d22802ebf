import Foundation
import FLTensor
import FLData
import FLCore

/// Builds interpreters with every capability of the modules as builtins: tensors, benchmarks,
/// backbones, methods, Flashback, regularizers, experiments, snapshots, plots.
public enum FLSession {
    /// A fresh interpreter with all builtins; `output` receives everything scripts print.
    public static func makeInterpreter(output: @escaping (String) -> Void = { Swift.print($0, terminator: "") },
                                       interruptFlag: InterruptFlag = .shared) -> Interpreter {
        let interp = Interpreter(output: output, interruptFlag: interruptFlag)
        let state = SessionState()
        interp.define(tensorBuiltins(state))
        interp.define(modelBuiltins(state))
        interp.define(methodBuiltins())
        interp.define(regularizerBuiltins())
        interp.define(experimentBuiltins(state))
        interp.define(utilityBuiltins(state))
        return interp
    }
}

/// Per-interpreter state: the session seed and random stream.
final class SessionState {
    var seed: UInt64 = 0
    var rng = RNG(seed: 0)
}

func num(_ x: Double) -> Value { Value(x) }
