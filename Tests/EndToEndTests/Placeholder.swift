import XCTest

final class FLTensorPlaceholder: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
