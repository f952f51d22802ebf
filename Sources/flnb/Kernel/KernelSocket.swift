import Foundation
@preconcurrency import CZeroMQ
@preconcurrency import CCrypto

/// One ZeroMQ socket of the kernel, bound to its endpoint. A socket is used by one thread
/// only (ZeroMQ sockets are not thread-safe), except iopub, which `KernelWire` guards with a lock.
final class KernelSocket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let name: String

    struct BindError: Error, CustomStringConvertible {
        var description: String
    }

    /// A socket of `type` (ZMQ_ROUTER, ZMQ_PUB, ZMQ_REP) bound to `endpoint`.
    init(context: UnsafeMutableRawPointer, type: Int32, endpoint: String, name: String) throws {
        guard let socket = zmq_socket(context, type) else {
            throw BindError(description: "cannot create the \(name) socket: \(String(cString: zmq_strerror(zmq_errno())))")
        }
        var linger: Int32 = 1000
        zmq_setsockopt(socket, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        guard zmq_bind(socket, endpoint) == 0 else {
            let reason = String(cString: zmq_strerror(zmq_errno()))
            zmq_close(socket)
            throw BindError(description: "cannot bind the \(name) socket to \(endpoint): \(reason)")
        }
        handle = socket
        self.name = name
    }

    /// The frames of the next multipart message; waits. Nil when the context was terminated.
    func receive() -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            if zmq_msg_recv(&message, handle, 0) < 0 {
                if zmq_errno() == EINTR { continue }  // a signal (SIGINT) arrived while waiting
                return nil
            }
            let size = zmq_msg_size(&message)
            let data = zmq_msg_data(&message)!
            frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// Sends `frames` as one multipart message.
    func send(_ frames: [[UInt8]]) {
        for (index, frame) in frames.enumerated() {
            let flags = index == frames.count - 1 ? 0 : ZMQ_SNDMORE
            frame.withUnsafeBytes { buffer in
                while zmq_send(handle, buffer.baseAddress, buffer.count, flags) < 0 && zmq_errno() == EINTR {}
            }
        }
    }

    func close() { zmq_close(handle) }
}

/// HMAC-SHA256 signatures of the Jupyter wire protocol (an empty key disables signing).
struct MessageSigner: Sendable {
    let key: [UInt8]

    /// The lowercase hex signature of the concatenated frames.
    func signature(_ parts: [[UInt8]]) -> String {
        guard !key.isEmpty else { return "" }
        var data: [UInt8] = []
        for part in parts { data += part }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress?.assumingMemoryBound(to: UInt8.self), d.count,
                     &digest, &length)
            }
        }
        return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` is right for `parts` (compared in constant time).
    func verify(_ signature: [UInt8], _ parts: [[UInt8]]) -> Bool {
        guard !key.isEmpty else { return true }
        let expected = Array(self.signature(parts).utf8)
        guard expected.count == signature.count else { return false }
        return expected.withUnsafeBytes { e in
            signature.withUnsafeBytes { s in CRYPTO_memcmp(e.baseAddress, s.baseAddress, e.count) == 0 }
        }
    }
}
