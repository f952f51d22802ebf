import XCTest
@testable import FLCore
import FLData

final class MetricsTests: XCTestCase {
    /// A 3-task matrix worked out by hand.
    func testSummaryAgainstHandComputedMatrix() throws {
        let r = AccuracyMatrix([[90, nil, nil], [60, 80, nil], [40, 50, 70]])
        let s = try XCTUnwrap(MetricsCalculator.summarize(r, preTask: [nil, 5, 10], randomInit: [10, 10, 10]))
        XCTAssertEqual(s.finalAverageAccuracy, (40 + 50 + 70) / 3, accuracy: 1e-9)
        XCTAssertEqual(s.averageIncrementalAccuracy, (90 + 70 + 160.0 / 3) / 3, accuracy: 1e-9)
        // Forgetting: task 0: max(90, 60) − 40 = 50; task 1: 80 − 50 = 30 → 40.
        XCTAssertEqual(s.forgetting!, 40, accuracy: 1e-9)
        // BWT: (40 − 90 + 50 − 80) / 2 = −40.
        XCTAssertEqual(s.backwardTransfer!, -40, accuracy: 1e-9)
        // FWT: ((5 − 10) + (10 − 10)) / 2 = −2.5.
        XCTAssertEqual(s.forwardTransfer!, -2.5, accuracy: 1e-9)
        // Stability: t=1: 60; t=2: (40+50)/2 = 45 → 52.5. Plasticity: (80 + 70)/2 = 75.
        XCTAssertEqual(s.stability!, 52.5, accuracy: 1e-9)
        XCTAssertEqual(s.plasticity!, 75, accuracy: 1e-9)
        XCTAssertEqual(s.stabilityPlasticityRatio!, 0.7, accuracy: 1e-9)
        XCTAssertEqual(s.harmonicMean!, 2 * 52.5 * 75 / 127.5, accuracy: 1e-9)
        XCTAssertEqual(s.lastTask, 2)
    }

    func testPartialMatrixUsesLastMeasuredRow() throws {
        let r = AccuracyMatrix([[90, nil, nil], [60, 80, nil], [nil, nil, nil]])
        let s = try XCTUnwrap(MetricsCalculator.summarize(r))
        XCTAssertEqual(s.lastTask, 1)
        XCTAssertEqual(s.finalAverageAccuracy, 70, accuracy: 1e-9)
        XCTAssertEqual(s.forgetting!, 30, accuracy: 1e-9)
        XCTAssertNil(MetricsCalculator.summarize(AccuracyMatrix(tasks: 2)))
    }

    func testExportJSONAndCSV() throws {
        var m = RunMetrics(tasks: 2)
        m.classIL = AccuracyMatrix([[90, nil], [40, 70]])
        m.taskIL = AccuracyMatrix([[100, nil], [95, 99]])
        let json = m.jsonString()
        let obj = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let cls = try XCTUnwrap(obj?["class_il"] as? [String: Any])
        let summary = try XCTUnwrap(cls["summary"] as? [String: Any])
        XCTAssertEqual(summary["final_avg_acc"] as? Double ?? -1, 55, accuracy: 1e-9)
        let csv = m.csvString()
        XCTAssertTrue(csv.hasPrefix("setting,kind,row,col,value\n"))
        XCTAssertTrue(csv.contains("class_il,accuracy,1,0,40.0000"))
        XCTAssertTrue(csv.contains("task_il,final_avg_acc,,,97.0000"))
    }
}
