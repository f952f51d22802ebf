import XCTest

final class FLCorePlaceholder: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
