import Foundation

/// A scope of variables, chained to the scope it is nested in.
///
/// Only function calls open scopes; blocks of `if`, `for` and `while` share the enclosing
/// one (like Python). Assignment updates the nearest existing binding, so closures can keep
/// state (`count += 1` inside a returned function) and a function can update a notebook
/// variable; otherwise it creates a binding in the current scope. Parameters, loop
/// variables and `fn name` declarations are always bound in the current scope.
final class Environment {
    private(set) var values: [String: Value] = [:]
    let parent: Environment?

    init(parent: Environment?) {
        self.parent = parent
    }

    func lookup(_ name: String) -> Value? {
        var scope: Environment? = self
        while let current = scope {
            if let value = current.values[name] { return value }
            scope = current.parent
        }
        return nil
    }

    /// Binds `name` in this scope.
    func define(_ name: String, _ value: Value) {
        values[name] = value
    }

    /// Updates the nearest binding of `name` below `boundary` (the read-only builtins scope),
    /// or defines it here.
    func assign(_ name: String, _ value: Value, boundary: Environment?) {
        var scope: Environment? = self
        while let current = scope, current !== boundary {
            if current.values[name] != nil {
                current.values[name] = value
                return
            }
            scope = current.parent
        }
        values[name] = value
    }

    func remove(_ name: String) {
        values[name] = nil
    }

    /// Every name visible from here, nearest scopes first, without duplicates.
    var visibleNames: [String] {
        var names: [String] = []
        var seen = Set<String>()
        var scope: Environment? = self
        while let current = scope {
            for name in current.values.keys.sorted() where seen.insert(name).inserted { names.append(name) }
            scope = current.parent
        }
        return names
    }
}
