import Testing
@testable import FLScript

/// `OrderedJSON` is the reader of every JSON file flnb writes for itself (report lines for
/// `read_reports` and `flnb sweep`, metrics files, Slurm grids): member order and number text
/// must survive, and a damaged line must say what and where, in characters.
@Suite struct OrderedJSONTests {
    @Test func keepsMemberOrderAndNumberText() throws {
        let text = #"{"z": 1.50, "a": -2e3, "é": "ü\n\u00e9", "n": null, "t": [true, false], "o": {}}"#
        let v = try OrderedJSON.parse(text)
        #expect(v.members?.map(\.key) == ["z", "a", "é", "n", "t", "o"])
        #expect(v["z"] == .number("1.50"))
        #expect(v["a"] == .number("-2e3"))
        #expect(v["é"]?.stringValue == "ü\né")
        #expect(try OrderedJSON.parse(v.text) == v)
    }

    @Test(arguments: [
        (#"{"a": 2,}"#, "expected a quoted key at column 9"),
        (#"{"a": 1} x"#, "unexpected text after the value at column 10"),
        (#"{"é": 1.2.3}"#, "not a number: '1.2.3' at column 7"),
        (#"{"a": tru}"#, "unknown word (true, false or null?) at column 7"),
        (#"{"a": "open"#, "unterminated string at column 12"),
        (#"{"a": 01}"#, "not a number: '01' at column 7"),
        (#"{"a": @}"#, "unexpected character '@' at column 7"),
        (#"{"a" 1}"#, "expected ':' at column 6"),
    ])
    func damagedTextSaysWhatAndWhere(text: String, message: String) {
        #expect(throws: (any Error).self) { try OrderedJSON.parse(text) }
        do { _ = try OrderedJSON.parse(text) } catch { #expect("\(error)" == message) }
    }
}
