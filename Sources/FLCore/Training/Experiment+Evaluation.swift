import Foundation
import FLTensor
import FLData

/// Test-set accuracy of a run: class-IL over all outputs, task-IL over the task's columns.
extension Experiment {
    /// (class-IL, task-IL) accuracy of another network's logits on task j's test set.
    public func evaluate(task j: Int, using model: Network) throws -> (Double, Double) {
        try evaluate(task: j, scores: { x in try model(x) }, model: model)
    }

    /// (class-IL, task-IL) accuracy in percent on the test set of task j, eval mode.
    public func evaluate(task j: Int, extra: String? = nil) throws -> (Double, Double) {
        try evaluate(task: j, scores: { x in
            try extra.map { try self.strategy.predictExtra($0, x, experiment: self) } ?? self.strategy.predict(x, experiment: self)
        }, model: net)
    }

    func evaluate(task j: Int, scores: (Tensor) throws -> Tensor, model: Network) throws -> (Double, Double) {
        let idx = data.testIndices(task: j)
        guard !idx.isEmpty else { return (0, 0) }
        let labels = data.testLabels(idx)
        let cols = geometry.classes(ofTask: j)
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var correctC = 0, correctT = 0
        try noGrad {
            var s = 0
            while s < idx.count {
                let chunk = Array(idx[s..<min(idx.count, s + config.evalBatchSize)])
                let x = data.testImages(chunk)
                let z = try scores(x)
                let n = z.shape[1]
                for r in 0..<chunk.count {
                    let row = z.data + r * n
                    var best = 0
                    for c in 1..<n where row[c] > row[best] { best = c }
                    var bestT = cols.lowerBound
                    for c in cols where c < n && row[c] > row[bestT] { bestT = c }
                    let y = labels[s + r]
                    if best == y { correctC += 1 }
                    if bestT == y { correctT += 1 }
                }
                s += chunk.count
            }
        }
        return (100 * Double(correctC) / Double(idx.count), 100 * Double(correctT) / Double(idx.count))
    }
}
