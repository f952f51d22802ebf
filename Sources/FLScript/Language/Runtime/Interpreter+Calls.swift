import Foundation

/// Where a call is written, so argument errors can point at the argument at fault.
struct CallSite {
    var range: SourceRange
    var calleeRange: SourceRange
    /// For each argument, its label's range (if named) and its value's range.
    var arguments: [(label: SourceRange?, value: SourceRange)]
    /// The receiver of a method call (`run` in `run.step("task")`).
    var receiver: SourceRange?

    /// The range an argument error points at: the argument's label or value, or the whole call.
    func range(of argument: Int?, label: Bool = false) -> SourceRange {
        guard let argument, arguments.indices.contains(argument) else { return range }
        let ranges = arguments[argument]
        return label ? ranges.label ?? ranges.value : ranges.value
    }
}

extension Interpreter {
    /// Calls any callable value from Swift — how builtins such as `sorted(key:)` run script
    /// callbacks. Errors are `Diagnostic`s; let them propagate unchanged.
    public func call(_ callee: Value, _ arguments: [Value], named: [(String, Value)] = []) throws -> Value {
        let range = callSiteRange ?? SourceRange(at: SourceLocation(line: currentSource.firstLine, column: 1))
        let labeled: [LabeledValue] = arguments.map { (nil, $0) } + named.map { ($0.0, $0.1) }
        let site = CallSite(range: range, calleeRange: range, arguments: [])
        return try call(callee, labeled, site: site)
    }

    func evaluateCall(_ expr: Expr) throws -> Value {
        guard case .call(let calleeExpr, let arguments) = expr.kind else { preconditionFailure("not a call") }
        let range = expr.range
        let callee = try evaluate(calleeExpr)
        var values: [LabeledValue] = []
        values.reserveCapacity(arguments.count)
        for argument in arguments {
            values.append((argument.label, try evaluate(argument.value)))
        }
        var site = CallSite(range: range, calleeRange: calleeExpr.range,
                            arguments: arguments.map { ($0.labelRange, $0.value.range) })
        if case .member(let receiver, _, _) = calleeExpr.kind { site.receiver = receiver.range }
        return try call(callee, values, site: site)
    }

    func call(_ callee: Value, _ arguments: [LabeledValue], site: CallSite) throws -> Value {
        try tick(site.range)
        // The stack guard backs up the depth limit on threads with small stacks.
        guard callDepth < limits.maxCallDepth, !stackGuard.isExhausted else {
            throw error("call depth exceeded (recursion?)", at: site.range)
        }
        callDepth += 1
        let savedSite = callSiteRange
        callSiteRange = site.range
        defer {
            callDepth -= 1
            callSiteRange = savedSite
        }
        return try dispatch(callee, arguments, site)
    }

    /// Script functions go straight to `callFunction`; this frame sits in every level of a
    /// script's recursion, so it stays small.
    private func dispatch(_ callee: Value, _ arguments: [LabeledValue], _ site: CallSite) throws -> Value {
        if case .function(let function) = callee {
            return try callFunction(function, arguments, site)
        }
        return try callNative(callee, arguments, site)
    }

    private func callNative(_ callee: Value, _ arguments: [LabeledValue], _ site: CallSite) throws -> Value {
        switch callee {
        case .builtin(let builtin):
            return try callBuiltin(builtin, arguments, site)
        case .object(let object):
            do {
                return try object.call(arguments, interpreter: self)
            } catch {
                throw callError(error, site, nil)
            }
        default:
            throw self.error("\(callee.typeName) is not callable", at: site.calleeRange)
        }
    }

    func callBuiltin(_ builtin: Builtin, _ arguments: [LabeledValue], _ site: CallSite) throws -> Value {
        var resolved: CallArguments?
        do {
            resolved = try builtin.signature.resolve(arguments, interpreter: self)
            return try builtin.body(resolved!)
        } catch {
            throw callError(error, site, resolved)
        }
    }

    /// Turns what a builtin or object threw into a diagnostic at the most precise place:
    /// the argument at fault if known, else the call.
    func callError(_ error: Error, _ site: CallSite, _ arguments: CallArguments?) -> Error {
        switch error {
        case is Diagnostic, is ControlSignal:
            return error
        case let error as ArgumentError:
            return self.error(error.message, at: site.range(of: error.argument, label: error.onLabel))
        case let error as InterruptedStep:
            if let receiver = site.receiver.flatMap(currentSource.text(in:)) {
                interruptedStep = (site.range, currentSource, "\(receiver).step(\"unit\", \(error.units))  # an interrupted step, replayed exactly")
            }
            return self.error(error.message, at: site.range)
        case let error as ScriptError:
            var argument: Int?
            if let name = error.argument, let arguments,
               let index = arguments.signature.parameters.firstIndex(where: { $0.name == name }) {
                argument = arguments.sources[index]
            }
            return self.error(error.message, at: site.range(of: argument))
        default:
            return self.error(Interpreter.message(for: error), at: site.range)
        }
    }

    func callFunction(_ function: ScriptFunction, _ arguments: [LabeledValue], _ site: CallSite) throws -> Value {
        let decl = function.declaration
        let binding: ArgumentBinder.Binding
        do {
            binding = try ArgumentBinder.bind(arguments, names: decl.parameters.map(\.name),
                                              hasDefault: decl.parameters.map { $0.defaultValue != nil },
                                              variadic: nil, callee: function.name)
        } catch {
            throw callError(error, site, nil)
        }
        let callerSource = currentSource
        let callerEnvironment = environment
        let scope = Environment(parent: function.closure)
        environment = scope
        currentSource = function.source
        defer {
            environment = callerEnvironment
            currentSource = callerSource
        }
        do {
            // Defaults are evaluated at each call, in the new scope, so they may use earlier parameters.
            for (index, parameter) in decl.parameters.enumerated() {
                let value = try binding.slots[index] ?? evaluate(parameter.defaultValue!)
                scope.define(parameter.name, value)
            }
            return try executeBlock(decl.body)
        } catch ControlSignal.returnValue(let value) {
            return value
        } catch var diagnostic as Diagnostic {
            // A short traceback: the innermost few calls that led to the error, each site once
            // (deep recursion would otherwise repeat the same line).
            let note = Diagnostic(.note, "in call to '\(function.name)'", at: site.range, in: callerSource)
            let repeated = diagnostic.notes.contains { $0.range == note.range && $0.source === note.source }
            if diagnostic.notes.count < 4 && !repeated {
                diagnostic.notes.append(note)
            }
            throw diagnostic
        }
    }
}
