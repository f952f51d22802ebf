import Foundation

/// A lazily produced sequence of values (`for x in …`).
struct ValueIterator {
    let nextElement: () throws -> Value?

    mutating func next() throws -> Value? { try nextElement() }
}

extension Interpreter {
    func evaluateIndex(_ components: [IndexExpr]) throws -> [IndexComponent] {
        try components.map { component in
            switch component {
            case .value(let expr):
                return .value(try evaluate(expr))
            case .slice(let start, let stop, let step, _):
                let slice = SliceBounds(start: try sliceBound(start), stop: try sliceBound(stop), step: try sliceBound(step))
                if slice.step == 0, let step {
                    throw error("slice step cannot be zero", at: step.range)
                }
                return .slice(slice)
            }
        }
    }

    func sliceBound(_ expr: Expr?) throws -> Int? {
        guard let expr else { return nil }
        let value = try evaluate(expr)
        if value.isNull { return nil }
        guard case .number(let number) = value, let bound = Value.exactInt(number) else {
            throw error("slice bounds must be whole numbers, got \(value.repr)", at: expr.range)
        }
        return bound
    }

    /// `container[index]`.
    func subscriptGet(_ container: Value, _ index: [IndexComponent], at range: SourceRange) throws -> Value {
        switch container {
        case .object(let object):
            return try guarded(range) { try object.subscriptGet(index) }
        case .list(let list):
            switch try single(index, of: container, at: range) {
            case .value(let value):
                return list.items[try position(value, count: list.items.count, in: container, at: range)]
            case .slice(let slice):
                return .list(ScriptList(slice.indices(count: list.items.count).map { list.items[$0] }))
            }
        case .string(let string):
            let characters = Array(string)
            switch try single(index, of: container, at: range) {
            case .value(let value):
                return .string(String(characters[try position(value, count: characters.count, in: container, at: range)]))
            case .slice(let slice):
                return .string(String(slice.indices(count: characters.count).map { characters[$0] }))
            }
        case .range(let scriptRange):
            let count = scriptRange.count
            switch try single(index, of: container, at: range) {
            case .value(let value):
                return .number(scriptRange.element(try position(value, count: count, in: container, at: range)))
            case .slice(let slice):
                let (start, stop, step) = slice.resolved(count: count)
                let size = max(0, (stop - start + step + (step > 0 ? -1 : 1)) / step)
                try checkSize(size, "a list", at: range)
                return .list(ScriptList(stride(from: start, to: stop, by: step).map { .number(scriptRange.element($0)) }))
            }
        case .dict(let dict):
            guard case .value(let keyValue) = try single(index, of: container, at: range) else {
                throw error("a dict cannot be sliced", at: range)
            }
            let key = try dictKey(keyValue, at: range)
            guard let value = dict[key] else {
                let names = dict.keys.compactMap { key -> String? in
                    if case .string(let string) = key { return string }
                    return nil
                }
                let hint = keyValue.asString.map { Suggestions.didYouMean($0, in: names) } ?? ""
                throw error("key \(keyValue.repr) not found in dict\(hint)", at: range)
            }
            return value
        default:
            throw error("\(container.typeName) cannot be indexed", at: range)
        }
    }

    /// `container[index] = value`.
    func subscriptSet(_ container: Value, _ index: [IndexComponent], to value: Value, at range: SourceRange) throws {
        switch container {
        case .object(let object):
            try guarded(range) { try object.subscriptSet(index, to: value) }
        case .list(let list):
            switch try single(index, of: container, at: range) {
            case .value(let indexValue):
                let position = try position(indexValue, count: list.items.count, in: container, at: range)
                try checkNesting(value, at: range)
                list.items[position] = value
                list.noteStored(value)
            case .slice(let slice):
                try assignSlice(list, slice, value, at: range)
            }
        case .dict(let dict):
            guard case .value(let keyValue) = try single(index, of: container, at: range) else {
                throw error("a dict cannot be sliced", at: range)
            }
            let key = try dictKey(keyValue, at: range)
            try checkNesting(value, at: range)
            dict[key] = value
        case .string:
            throw error("strings cannot be changed in place; build a new string instead", at: range)
        default:
            throw error("\(container.typeName) does not support index assignment", at: range)
        }
    }

    /// `l[a:b] = [..]` replaces the slice (its length may change); with a step, lengths must match.
    private func assignSlice(_ list: ScriptList, _ slice: SliceBounds, _ value: Value, at range: SourceRange) throws {
        guard case .list(let source) = value else {
            throw error("can only assign a list to a slice, got \(value.typeName)", at: range)
        }
        let items = source.items
        try items.forEach { try checkNesting($0, at: range) }
        if (slice.step ?? 1) == 1 {
            let (start, stop, _) = slice.resolved(count: list.items.count)
            try checkSize(list.items.count - max(0, stop - start) + items.count, "a list", at: range)
            list.items.replaceSubrange(start..<max(start, stop), with: items)
        } else {
            let positions = slice.indices(count: list.items.count)
            guard positions.count == items.count else {
                throw error("cannot assign \(items.count) values to a slice of \(positions.count)", at: range)
            }
            for (position, item) in zip(positions, items) { list.items[position] = item }
        }
        items.forEach { list.noteStored($0) }
    }

    private func single(_ index: [IndexComponent], of container: Value, at range: SourceRange) throws -> IndexComponent {
        guard index.count == 1 else {
            throw error("a \(container.typeName) takes 1 index, got \(index.count)", at: range)
        }
        return index[0]
    }

    /// A checked position in a sequence; negative positions count from the end.
    private func position(_ value: Value, count: Int, in container: Value, at range: SourceRange) throws -> Int {
        let what = container.typeName
        guard case .number(let number) = value else {
            throw error("\(what) index must be a number, got \(value.typeName)", at: range)
        }
        guard let index = Value.exactInt(number) else {
            throw error("\(what) index must be a whole number, got \(Value.formatNumber(number))", at: range)
        }
        let position = index < 0 ? index + count : index
        guard position >= 0 && position < count else {
            let size = what == "string" ? "a string of length \(count)" : "a \(what) of \(count)"
            throw error("\(what) index \(index) out of range for \(size)", at: range)
        }
        return position
    }

    // MARK: - Iteration

    func makeIterator(_ value: Value, at range: SourceRange) throws -> ValueIterator {
        var position = 0
        switch value {
        case .list(let list):
            // A snapshot: appending inside the loop does not make it run forever.
            let items = list.items
            return ValueIterator {
                guard position < items.count else { return nil }
                defer { position += 1 }
                return items[position]
            }
        case .range(let scriptRange):
            let count = scriptRange.count
            return ValueIterator {
                guard position < count else { return nil }
                defer { position += 1 }
                return .number(scriptRange.element(position))
            }
        case .string(let string):
            let characters = Array(string)
            return ValueIterator {
                guard position < characters.count else { return nil }
                defer { position += 1 }
                return .string(String(characters[position]))
            }
        case .dict(let dict):
            let keys = dict.keys
            return ValueIterator {
                guard position < keys.count else { return nil }
                defer { position += 1 }
                return keys[position].value
            }
        case .object(let object):
            let iterator = try guarded(range) { try object.makeIterator() }
            return ValueIterator { iterator.next() }
        default:
            throw error("cannot iterate over \(value.typeName)", at: range)
        }
    }

    /// Every element of a list, range, string, dict (its keys) or iterable object, for
    /// builtins. Counts steps and enforces the size limit, so huge ranges fail cleanly.
    public func elements(of value: Value) throws -> [Value] {
        let range = callSiteRange ?? SourceRange(at: SourceLocation(line: currentSource.firstLine, column: 1))
        if case .list(let list) = value { return list.items }
        if case .range(let scriptRange) = value {
            try checkSize(scriptRange.count, "a range", at: range)
        }
        var iterator = try makeIterator(value, at: range)
        var result: [Value] = []
        while let element = try guarded(range, { try iterator.next() }) {
            try tick(range)
            result.append(element)
            try checkSize(result.count, "a sequence", at: range)
        }
        return result
    }
}
