import XCTest
@testable import FLTensor
final class Smoke: XCTestCase { func testX() { XCTAssertEqual(Tensor([1,2]).count, 2) } }
