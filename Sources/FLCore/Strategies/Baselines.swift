import Foundation
import FLTensor
import FLData

/// Plain fine-tuning: cross-entropy over all outputs on the current task (the lower bound).
public final class SGDStrategy: Strategy, @unchecked Sendable {
    public override var name: String { "sgd" }
    public override func observe(_ batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> LossTerms {
        var terms = LossTerms(student: try studentPass(batch.inputs, exp))
        terms.add("ce", try crossEntropy(terms.student.logits, batch.labels))
        try addStability(&terms, batch, ctx, exp)
        return terms
    }
}

/// Joint training on the data of every task so far (the upper bound when run to the end).
public final class JointStrategy: Strategy, @unchecked Sendable {
    public override var name: String { "joint" }
    public override func trainingIndices(task t: Int, experiment exp: Experiment) -> [Int] {
        (0...t).flatMap { exp.data.trainIndices(task: $0) }
    }
    public override func observe(_ batch: Batch, context ctx: TaskContext, experiment exp: Experiment) throws -> LossTerms {
        var terms = LossTerms(student: try studentPass(batch.inputs, exp))
        terms.add("ce", try crossEntropy(terms.student.logits, batch.labels))
        try addStability(&terms, batch, ctx, exp)
        return terms
    }
}

extension MethodDeclaration {
    public static let sgd = MethodDeclaration(name: "sgd", title: "SGD", summary: "fine-tuning with cross-entropy (lower bound)") { _ in SGDStrategy() }
}

extension MethodDeclaration {
    public static let joint = MethodDeclaration(name: "joint", title: "Joint", summary: "training on all data seen so far (upper bound)") { _ in JointStrategy() }
}
