import XCTest
@testable import FLCore
import FLTensor

/// Methods and regularizers declare their parameters once; construction reads the declaration
/// (a parameter read but not declared would trap here) and reads every declared parameter.
final class DeclarationTests: XCTestCase {
    /// A value other than the declared default, valid for the parameter.
    private func other(_ p: ParameterDoc) -> Double {
        switch p.kind {
        case .flag: return p.defaultValue == "0" ? 1 : 0
        default: return (Double(p.defaultValue) ?? 0) + 1
        }
    }

    func testEveryMethodBuildsFromItsDeclarationAndReadsEveryDeclaredParameter() throws {
        XCTAssertEqual(Set(StrategyRegistry.names).count, StrategyRegistry.entries.count, "keys are unique")
        for d in StrategyRegistry.entries {
            let declared = Set(d.parameters.map(\.name))
            XCTAssertEqual(declared.count, d.parameters.count, "\(d.name): a parameter declared twice")
            for p in d.parameters { XCTAssertNotNil(Double(p.defaultValue), "\(d.name).\(p.name): a method's defaults are numbers") }
            let defaults = Options(declared: d.parameters)
            let s = try d.build(defaults)
            XCTAssertEqual(defaults.read, declared, "\(d.name): every declared parameter reaches the method")
            XCTAssertEqual(s.name, d.name)
            XCTAssertEqual(s.bufferPolicy != nil, d.usesBuffer, "\(d.name): usesBuffer says what the method does")
            // Every parameter at once, each off its default, builds through the registry.
            let given = Dictionary(uniqueKeysWithValues: d.parameters.map { ($0.name, other($0)) })
            XCTAssertEqual(try StrategyRegistry.make(d.name, options: given).name, d.name)
            XCTAssertThrowsError(try StrategyRegistry.make(d.name, options: ["not_a_parameter": 1])) {
                XCTAssertTrue("\($0)".contains("does not take 'not_a_parameter'; it takes \(declared.sorted().joined(separator: ", "))"), "\($0)")
            }
        }
    }

    func testEveryRegularizerBuildsFromItsDeclarationAndDescribesItselfInDeclaredTerms() throws {
        XCTAssertEqual(RegularizerRegistry.kinds, ["logit_distillation", "feature_distillation", "ewc", "logit_replay"])
        for d in RegularizerRegistry.declarations {
            let declared = Set(d.parameters.map(\.name))
            for source in [KnowledgeSource.old, .primary] {
                let r = try RegularizerRegistry.make(d.kind, source: source, options: [:])
                let (kind, numbers, words) = RegularizerRegistry.describe(r)
                XCTAssertEqual(kind, d.kind)
                XCTAssertTrue(Set(numbers.keys).union(words.keys).isSubset(of: declared), "\(d.kind): \(numbers) \(words)")
                // Rebuilding from the description gives the same description.
                let again = try RegularizerRegistry.make(kind, source: source, options: numbers, text: words)
                XCTAssertEqual(RegularizerRegistry.describe(again).1, numbers)
                XCTAssertEqual(RegularizerRegistry.describe(again).2, words)
            }
            let defaults = Options(declared: d.parameters)
            _ = try d.build(defaults, .old)
            XCTAssertEqual(defaults.read, declared, "\(d.kind): every declared parameter reaches the regularizer")
            let numbers = Dictionary(uniqueKeysWithValues: d.parameters.filter { $0.kind != .text }.map { ($0.name, other($0)) })
            let (_, described, _) = RegularizerRegistry.describe(try RegularizerRegistry.make(d.kind, source: .old, options: numbers))
            for (k, v) in numbers { XCTAssertEqual(described[k] ?? .nan, v, accuracy: 1e-6, "\(d.kind).\(k) given \(v)") }
            XCTAssertThrowsError(try RegularizerRegistry.make(d.kind, source: .old, options: [:], text: ["nope": "x"])) {
                XCTAssertTrue("\($0)".contains("does not take 'nope'"), "\($0)")
            }
        }
    }
}
