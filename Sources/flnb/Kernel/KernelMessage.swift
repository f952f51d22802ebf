import Foundation
import FLScript

/// One Jupyter message (protocol 5.3): the routing identities, four JSON parts, and buffers.
struct KernelMessage {
    var identities: [[UInt8]]
    var header: OrderedJSON
    var parentHeader: OrderedJSON
    var metadata: OrderedJSON
    var content: OrderedJSON

    static let delimiter = Array("<IDS|MSG>".utf8)
    static let protocolVersion = "5.3"

    var type: String { header["msg_type"]?.stringValue ?? "" }

    /// Why a received message was dropped.
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses and verifies wire frames: identities, `<IDS|MSG>`, signature, header, parent, metadata, content.
    init(frames: [[UInt8]], signer: MessageSigner) throws {
        guard let split = frames.firstIndex(of: KernelMessage.delimiter) else { throw Malformed(description: "no <IDS|MSG> delimiter") }
        guard frames.count >= split + 6 else { throw Malformed(description: "\(frames.count - split - 1) frames after the delimiter, expected at least 5") }
        let parts = Array(frames[(split + 2)..<(split + 6)])
        guard signer.verify(frames[split + 1], parts) else { throw Malformed(description: "bad signature") }
        func json(_ index: Int, _ name: String) throws -> OrderedJSON {
            guard let text = String(bytes: parts[index], encoding: .utf8) else { throw Malformed(description: "\(name) is not UTF-8") }
            do { return try OrderedJSON.parse(text) } catch { throw Malformed(description: "\(name): \(error)") }
        }
        identities = Array(frames[..<split])
        header = try json(0, "header")
        parentHeader = try json(1, "parent_header")
        metadata = try json(2, "metadata")
        content = try json(3, "content")
        guard header.members != nil, header["msg_type"]?.stringValue != nil else { throw Malformed(description: "header without msg_type") }
        guard content.members != nil else { throw Malformed(description: "content is not an object") }
    }

    init(identities: [[UInt8]], header: OrderedJSON, parentHeader: OrderedJSON, content: OrderedJSON) {
        self.identities = identities
        self.header = header
        self.parentHeader = parentHeader
        metadata = .object([])
        self.content = content
    }

    /// The wire frames, signed.
    func frames(signer: MessageSigner) -> [[UInt8]] {
        let parts = [header, parentHeader, metadata, content].map { Array($0.text.utf8) }
        return identities + [KernelMessage.delimiter, Array(signer.signature(parts).utf8)] + parts
    }

    /// A fresh header for a message the kernel sends.
    static func header(type: String, session: String) -> OrderedJSON {
        .object([
            .init(key: "msg_id", value: .string(UUID().uuidString.lowercased())),
            .init(key: "session", value: .string(session)),
            .init(key: "username", value: .string("flnb")),
            .init(key: "date", value: .string(isoDate())),
            .init(key: "msg_type", value: .string(type)),
            .init(key: "version", value: .string(protocolVersion)),
        ])
    }

    /// Made once: building a formatter costs more than the rest of a message (ISO8601DateFormatter is thread-safe).
    nonisolated(unsafe) private static let dateFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    static func isoDate() -> String { dateFormatter.string(from: Date()) }
}

/// Building JSON objects for message contents with less ceremony.
func jsonObject(_ pairs: KeyValuePairs<String, OrderedJSON>) -> OrderedJSON {
    .object(pairs.map { OrderedJSON.Member(key: $0.key, value: $0.value) })
}

extension OrderedJSON {
    static func int(_ n: Int) -> OrderedJSON { .number(String(n)) }
}
