import XCTest

final class FLScriptPlaceholder: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
