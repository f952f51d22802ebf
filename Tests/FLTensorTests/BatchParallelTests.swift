import XCTest
@testable import FLTensor

/// Inference passes split the batch into slices run over the threads (`Network.batchParallel`):
/// the split pass must give the plain pass's numbers, be taken only when no module needs the
/// whole batch, cut the same slices on any thread count, and keep the kernels of each slice on
/// its thread.
final class BatchParallelTests: XCTestCase {
    private var savedThreads = 1
    override func setUp() { savedThreads = Parallel.threads; Parallel.threads = 2 }
    override func tearDown() { Parallel.threads = savedThreads; Network.minimumSlice = 4 }

    private func nets() -> [(String, Network, [Int])] {
        var rng = RNG(seed: 11)
        return [("resnet18-nf4", ResNet18(nf: 4, classes: 7, rng: &rng), [3, 16, 16]),
                ("cnn", SmallCNN(channels: 1, height: 12, width: 12, classes: 5, rng: &rng), [1, 12, 12])]
    }

    private func assertClose(_ a: Tensor, _ b: Tensor, _ what: String) {
        XCTAssertEqual(a.shape, b.shape, what)
        let x = a.toArray(), y = b.toArray()
        let scale = max(1, y.map(abs).max() ?? 1)
        for i in 0..<x.count where abs(x[i] - y[i]) > 1e-5 * scale {
            XCTFail("\(what)[\(i)]: split \(x[i]) vs plain \(y[i])"); return
        }
    }

    func testSplitInferenceMatchesThePlainPass() throws {
        for (name, net, shape) in nets() {
            // Running statistics away from their initial 0/1, so eval-mode batch-norm matters.
            net.train()
            _ = try noGrad { try net(randn([16] + shape, seed: 3, grad: false)) }
            net.eval()
            for batch in [9, 32] {        // 9: slices of 4 and 5
                let x = randn([batch] + shape, seed: UInt64(batch), grad: false)
                Network.minimumSlice = 4
                XCTAssertNotNil(try noGrad { try net.batchParallel(x) { [$0] } }, "\(name): the split is taken")
                let split = try noGrad { try net.forwardWithFeatures(x) }
                let logits = try noGrad { try net(x) }
                let feats = try noGrad { try net.inferFeatures(x) }
                let again = try noGrad { try net(x) }
                Network.minimumSlice = Int.max
                XCTAssertNil(try noGrad { try net.batchParallel(x) { [$0] } })
                let plain = try noGrad { try net.forwardWithFeatures(x) }
                assertClose(split.logits, plain.logits, "\(name) batch \(batch) logits")
                assertClose(split.features, plain.features, "\(name) batch \(batch) features")
                assertClose(logits, plain.logits, "\(name) batch \(batch) forward")
                assertClose(feats, plain.features, "\(name) batch \(batch) inferFeatures")
                XCTAssertEqual(logits.toArray(), again.toArray(), "\(name): the split pass is deterministic")
            }
        }
    }

    func testNoSplitWhileRecordingOrTrainingOrForTheMLP() throws {
        for (name, net, shape) in nets() {
            let x = randn([16] + shape, seed: 4, grad: false)
            net.eval()
            XCTAssertNil(try net.batchParallel(x) { [$0] }, "\(name): gradients recorded")
            net.train()
            XCTAssertNil(try noGrad { try net.batchParallel(x) { [$0] } }, "\(name): batch statistics need the whole batch")
            // One module left in training mode is enough to keep the batch whole.
            net.eval()
            net.modules().first { $0 is BatchNorm2d }?.train()
            if net is ResNet18 { XCTAssertNil(try noGrad { try net.batchParallel(x) { [$0] } }, name) }
            net.eval()
            // The slices depend on the batch alone: one thread runs the same two slices in turn.
            Parallel.threads = 1
            let one = try noGrad { try net(x) }
            XCTAssertNotNil(try noGrad { try net.batchParallel(x) { [$0] } }, "\(name): one thread slices the same way")
            Parallel.threads = 2
            XCTAssertEqual(one.toArray(), try noGrad { try net(x) }.toArray(), "\(name): 1 and 2 threads, same bits")
            XCTAssertNil(try noGrad { try net.batchParallel(randn([7] + shape, seed: 5, grad: false)) { [$0] } },
                         "\(name): slices under the minimum")
        }
        var rng = RNG(seed: 1)
        let mlp = MLP(inputs: 12, hidden: [8], classes: 3, rng: &rng)
        mlp.eval()
        XCTAssertNil(try noGrad { try mlp.batchParallel(randn([64, 12], seed: 6, grad: false)) { [$0] } })
    }

    func testAnErrorInASliceReachesTheCallerAndTheNetworkStillWorks() throws {
        let (_, net, shape) = nets()[0]
        net.eval()
        let bad = randn([16, 2, 16, 16], seed: 7, grad: false)     // 2 channels for a 3-channel stem
        XCTAssertThrowsError(try noGrad { try net(bad) }) { error in
            XCTAssertTrue("\(error)".contains("conv2d"), "\(error)")
        }
        let good = try noGrad { try net(randn([16] + shape, seed: 8, grad: false)) }
        XCTAssertEqual(good.shape, [16, 7])
        XCTAssertTrue(good.toArray().allSatisfy(\.isFinite))
    }

    func testLoopsInsideASerialShareStayOnTheirThread() {
        let me = pthread_self()
        var others = 0
        let lock = NSLock()
        Parallel.serially {
            XCTAssertTrue(Parallel.isSerialHere)
            Parallel.forEach(16) { _ in
                if pthread_equal(pthread_self(), me) == 0 { lock.lock(); others += 1; lock.unlock() }
            }
        }
        XCTAssertEqual(others, 0)
        XCTAssertFalse(Parallel.isSerialHere, "the mark is lifted after the share")
        // And a nested region from a pool thread runs inline instead of deadlocking.
        var total = 0
        Parallel.forEach(4) { _ in
            Parallel.serially { Parallel.forEach(8) { _ in lock.lock(); total += 1; lock.unlock() } }
        }
        XCTAssertEqual(total, 32)
    }
}
