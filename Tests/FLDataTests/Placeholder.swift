import XCTest

final class FLDataPlaceholder: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
