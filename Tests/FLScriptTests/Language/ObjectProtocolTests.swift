import Testing
@testable import FLScript

/// A stand-in for the tensor bridge: a 2-D grid of numbers implementing the whole object protocol.
final class FakeMatrix: ScriptObject {
    var rows: [[Double]]
    /// A settable member, like `run.stability`.
    var scale: Double = 1

    init(_ rows: [[Double]]) { self.rows = rows }

    var typeName: String { "matrix" }
    var typeSummary: String { "A small 2-D matrix (a test stand-in for tensors)." }

    var members: [MemberInfo] {
        [
            MemberInfo("shape", "[rows, columns]"),
            MemberInfo("scale", "a settable number"),
            .method("sum", "The sum of all elements."),
            .method("transpose", "The matrix with rows and columns swapped."),
        ]
    }

    func member(_ name: String) throws -> Value? {
        switch name {
        case "shape": return Value([Value(rows.count), Value(rows.first?.count ?? 0)])
        case "scale": return .number(scale)
        case "sum":
            return .builtin(Builtin("matrix.sum", summary: "The sum of all elements.") { _ in
                .number(self.rows.joined().reduce(0, +) * self.scale)
            })
        case "transpose":
            return .builtin(Builtin("matrix.transpose", summary: "The matrix with rows and columns swapped.") { _ in
                let columns = self.rows.first?.count ?? 0
                return .object(FakeMatrix((0..<columns).map { c in self.rows.map { $0[c] } }))
            })
        default: return nil
        }
    }

    func setMember(_ name: String, to value: Value) throws {
        guard name == "scale" else {
            if name == "shape" { throw ScriptError("member 'shape' of matrix cannot be assigned") }
            throw ScriptError("matrix has no member '\(name)'" + Suggestions.didYouMean(name, in: members.map(\.name)))
        }
        guard case .number(let number) = value else { throw ScriptError("scale: expected a number, got \(value.typeName)") }
        scale = number
    }

    var description: String {
        "matrix \(rows.count)×\(rows.first?.count ?? 0)\n" + rows.map { row in row.map(Value.formatNumber).joined(separator: " ") }.joined(separator: "\n")
    }

    func map(_ transform: (Double) -> Double) -> FakeMatrix {
        FakeMatrix(rows.map { $0.map(transform) })
    }

    func binary(_ op: BinaryOperator, _ other: Value, objectIsLeft: Bool) throws -> Value? {
        if case .number(let n) = other {
            let apply: (Double, Double) -> Double
            switch op {
            case .add: apply = { $0 + $1 }
            case .subtract: apply = { $0 - $1 }
            case .multiply: apply = { $0 * $1 }
            case .divide: apply = { $0 / $1 }
            case .power: apply = { Foundation_pow($0, $1) }
            default: return nil
            }
            return .object(map { x in objectIsLeft ? apply(x, n) : apply(n, x) })
        }
        guard case .object(let object) = other, let matrix = object as? FakeMatrix else { return nil }
        switch op {
        case .matmul:
            guard rows.first?.count == matrix.rows.count else {
                throw ScriptError("matmul shape mismatch: \(rows.count)×\(rows.first?.count ?? 0) @ \(matrix.rows.count)×\(matrix.rows.first?.count ?? 0)")
            }
            let columns = matrix.rows.first?.count ?? 0
            return .object(FakeMatrix(rows.map { row in
                (0..<columns).map { c in zip(row, matrix.rows.map { $0[c] }).map(*).reduce(0, +) }
            }))
        case .equal: return .bool(rows == matrix.rows)
        case .add: return .object(FakeMatrix(zip(rows, matrix.rows).map { zip($0, $1).map(+) }))
        default: return nil
        }
    }

    func unary(_ op: UnaryOperator) throws -> Value? {
        .object(map { -$0 })
    }

    /// Positions along one axis selected by one index component.
    private func positions(_ component: IndexComponent, count: Int) throws -> (positions: [Int], keepsAxis: Bool) {
        switch component {
        case .value(.number(let n)):
            guard let i = Value.exactInt(n), (-count..<count).contains(i) else {
                throw ScriptError("index \(Value.formatNumber(n)) out of range for an axis of \(count)")
            }
            return ([i < 0 ? i + count : i], false)
        case .slice(let slice): return (slice.indices(count: count), true)
        case .value(let other): throw ScriptError("matrix indices must be numbers or slices, got \(other.typeName)")
        }
    }

    func subscriptGet(_ index: [IndexComponent]) throws -> Value {
        guard (1...2).contains(index.count) else { throw ScriptError("a matrix takes 1 or 2 indices, got \(index.count)") }
        let (rowPositions, keepRows) = try positions(index[0], count: rows.count)
        let columnComponent = index.count == 2 ? index[1] : .slice(SliceBounds())
        let (columnPositions, keepColumns) = try positions(columnComponent, count: rows.first?.count ?? 0)
        let selected = rowPositions.map { r in columnPositions.map { c in rows[r][c] } }
        switch (keepRows, keepColumns) {
        case (false, false): return .number(selected[0][0])
        case (false, true): return Value(selected[0].map { Value($0) })
        case (true, false): return Value(selected.map { Value($0[0]) })
        case (true, true): return .object(FakeMatrix(selected))
        }
    }

    func subscriptSet(_ index: [IndexComponent], to value: Value) throws {
        guard index.count == 2, case .number(let number) = value else {
            throw ScriptError("assign a number to one element: m[row, column] = x")
        }
        let (r, _) = try positions(index[0], count: rows.count)
        let (c, _) = try positions(index[1], count: rows.first?.count ?? 0)
        for row in r { for column in c { rows[row][column] = number } }
    }

    func makeIterator() throws -> AnyIterator<Value> {
        var remaining = rows[...]
        return AnyIterator {
            guard let row = remaining.popFirst() else { return nil }
            return Value(row.map { Value($0) })
        }
    }

    func call(_ arguments: [LabeledValue], interpreter: Interpreter) throws -> Value {
        let signature = Signature(name: "matrix", parameters: [.required("row"), .optional("column", default: 0)])
        let args = try signature.resolve(arguments, interpreter: interpreter)
        return .number(rows[try args.int("row")][try args.int("column")])
    }

    var length: Int? { rows.count }
}

private func Foundation_pow(_ a: Double, _ b: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(b) { result *= a }
    return result
}

/// An object that implements nothing but its name: every feature must fail clearly.
final class OpaqueObject: ScriptObject {
    var typeName: String { "opaque" }
}

@Suite("Object protocol")
struct ObjectProtocolTests {
    func session() -> LanguageSession {
        let session = LanguageSession()
        session.interpreter.setGlobal("m", .object(FakeMatrix([[1, 2, 3], [4, 5, 6]])))
        session.interpreter.setGlobal("o", .object(OpaqueObject()))
        session.interpreter.define(Builtin("matrix", summary: "A matrix from a list of rows.",
                                           parameters: [.required("rows", "a list of lists of numbers")]) { args in
            let rows = try args.list("rows").items.map { row -> [Double] in
                guard case .list(let list) = row else { throw ScriptError("rows: expected a list of lists", argument: "rows") }
                return try list.items.map { item in
                    guard case .number(let n) = item else { throw ScriptError("rows: expected numbers", argument: "rows") }
                    return n
                }
            }
            return .object(FakeMatrix(rows))
        })
        return session
    }

    @Test func membersReadAndMethodsBindToTheirObject() {
        let session = session()
        #expect(session.eval("m.shape") == "[2, 3]\n")
        #expect(session.eval("m.sum()") == "21\n")
        #expect(session.eval("m.transpose().shape") == "[3, 2]\n")
        #expect(session.eval("s = m.sum; s()") == "21\n")
        #expect(session.eval("type(m)") == "\"matrix\"\n")
        #expect(session.eval("len(m)") == "2\n")
    }

    @Test func memberAssignmentGoesThroughTheObject() {
        let session = session()
        #expect(session.eval("m.scale = 2\nm.sum()") == "42\n")
        #expect(session.eval("m.scale += 1\nm.scale") == "3\n")
        #expect(session.error("m.shape = [1, 1]") == "test.fl:1:3: error: member 'shape' of matrix cannot be assigned")
        #expect(session.error("m.scael = 1") == "test.fl:1:3: error: matrix has no member 'scael'; did you mean 'scale'?")
        #expect(session.error("m.scale = \"big\"") == "test.fl:1:3: error: scale: expected a number, got string")
        #expect(session.eval("m.scale") == "3\n", "a failed assignment changes nothing")
        #expect(session.error("m.sume()") == "test.fl:1:3: error: matrix has no member 'sume'; did you mean 'sum'?")
    }

    @Test func printingUsesTheObjectsDescriptionEvenInsideLists() {
        let session = session()
        #expect(session.eval("m") == "matrix 2×3\n1 2 3\n4 5 6\n")
        #expect(session.eval("print(\"got\", m.transpose()[0:1])") == "got matrix 1×2\n1 4\n")
        #expect(session.eval("o") == "<opaque>\n")
    }

    @Test func operatorsWorkWithTheNumberOnEitherSide() {
        let session = session()
        #expect(session.eval("(m - 1)[0, 0]") == "0\n")
        #expect(session.eval("(10 - m)[0, 0]") == "9\n")
        #expect(session.eval("(m / 2)[1, 1]") == "2.5\n")
        #expect(session.eval("(2 / m)[0, 1]") == "1\n")
        #expect(session.eval("(m ** 2)[1, 2]") == "36\n")
        #expect(session.eval("(2 ** m)[0, 2]") == "8\n")
        #expect(session.eval("(-m)[0, 0]") == "-1\n")
        #expect(session.eval("(m @ m.transpose()).shape") == "[2, 2]\n")
        #expect(session.eval("(m @ m.transpose())[0, 0]") == "14\n")
        #expect(session.eval("m + m == m * 2") == "true\n")
        #expect(session.eval("m != m.transpose().transpose()") == "false\n")
        #expect(session.eval("sum([m, m])[1, 2]") == "12\n", "sum adds through the object")
    }

    @Test func unsupportedOperatorsAndObjectErrorsBecomeDiagnosticsAtTheOperator() {
        let session = session()
        #expect(session.error("x = 1\nm < 2") == "test.fl:2:1: error: cannot compare matrix and number with '<'")
        #expect(session.error("m @ m") == "test.fl:1:1: error: matmul shape mismatch: 2×3 @ 2×3")
        #expect(session.error("m + \"a\"") == "test.fl:1:1: error: cannot apply '+' to matrix and string; convert with str(x) first")
        #expect(session.error("-o") == "test.fl:1:1: error: cannot negate opaque")
        #expect(session.eval("o == o") == "true\n", "objects without == compare by identity")
    }

    @Test func subscriptsReceiveEveryComponentIncludingMultiDimensionalSlices() {
        let session = session()
        #expect(session.eval("m[1, 2]") == "6\n")
        #expect(session.eval("m[-1, -1]") == "6\n")
        #expect(session.eval("m[0]") == "[1, 2, 3]\n")
        #expect(session.eval("m[:, 0]") == "[1, 4]\n")
        #expect(session.eval("m[0, 1:3]") == "[2, 3]\n")
        #expect(session.eval("m[:, ::2]") == "matrix 2×2\n1 3\n4 6\n")
        #expect(session.eval("m[::-1, -2:]") == "matrix 2×2\n5 6\n2 3\n")
        #expect(session.eval("m[0, 0] = 9\nm[0, 0] += 1\nm[0]") == "[10, 2, 3]\n")
        #expect(session.error("m[5, 0]") == "test.fl:1:1: error: index 5 out of range for an axis of 2")
        #expect(session.error("m[0, 0] = \"x\"") == "test.fl:1:1: error: assign a number to one element: m[row, column] = x")
    }

    @Test func iterationCallAndLength() {
        let session = session()
        #expect(session.eval("for row in m { print(row) }") == "[1, 2, 3]\n[4, 5, 6]\n")
        #expect(session.eval("list(m)") == "[[1, 2, 3], [4, 5, 6]]\n")
        #expect(session.eval("m(1, column: 2)") == "6\n")
        #expect(session.error("m(1, col: 2)") == "test.fl:1:6: error: unknown argument 'col' to matrix(); did you mean 'column'?")
    }

    @Test func objectsWithOnlyATypeNameFailEveryFeatureClearly() {
        let session = session()
        #expect(session.error("o.x") == "test.fl:1:3: error: opaque has no member 'x'")
        #expect(session.error("o.x = 1") == "test.fl:1:3: error: opaque has no member 'x'")
        #expect(session.error("o[0]") == "test.fl:1:1: error: opaque cannot be indexed")
        #expect(session.error("o[0] = 1") == "test.fl:1:1: error: opaque does not support index assignment")
        #expect(session.error("for x in o {}") == "test.fl:1:10: error: cannot iterate over opaque")
        #expect(session.error("o()") == "test.fl:1:1: error: opaque is not callable")
        #expect(session.error("len(o)") == "test.fl:1:1: error: opaque has no length")
        #expect(session.error("o + 1") == "test.fl:1:1: error: cannot apply '+' to opaque and number")
    }

    @Test func builtinsReturningObjectsAndTheirArgumentErrors() {
        let session = session()
        #expect(session.eval("a = matrix([[1, 2], [3, 4]])\na @ a") == "matrix 2×2\n7 10\n15 22\n")
        #expect(session.error("matrix([1, 2])") == "test.fl:1:8: error: rows: expected a list of lists")
    }

    @Test func helpListsTheTypeSummaryAndEveryMember() {
        let session = session()
        let expected = """
            matrix: A small 2-D matrix (a test stand-in for tensors).
              Members:
                shape        [rows, columns]
                scale        a settable number
                sum()        The sum of all elements.
                transpose()  The matrix with rows and columns swapped.

            """
        #expect(session.eval("help(m)") == expected)
        #expect(session.eval("?m") == expected)
        #expect(session.eval("?m.sum") == "matrix.sum()\n  The sum of all elements.\n")
        #expect(session.eval("?o") == "opaque\n")
    }

    @Test func completionListsMembersOfObjectsAndChains() {
        let session = session()
        session.run("runs = {\"a\": m}\nl = [m]")
        #expect(session.interpreter.completions(line: "m.s", cursor: 3) == ["scale", "shape", "sum("])
        #expect(session.interpreter.completions(line: "m.", cursor: 2) == ["scale", "shape", "sum(", "transpose("])
        #expect(session.interpreter.completions(line: "x = m.tr", cursor: 8) == ["transpose("])
        #expect(session.interpreter.completions(line: "l.ap", cursor: 4) == ["append("])
        #expect(session.interpreter.completions(line: "m.sum.", cursor: 6) == [])
        #expect(session.interpreter.completions(line: "m.transpose().s", cursor: 15) == [], "never calls to complete")
    }
}
