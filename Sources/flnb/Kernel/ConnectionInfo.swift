import Foundation
import FLScript

/// The connection file Jupyter writes for a kernel: transport, address, the five ports and the key.
struct ConnectionInfo {
    let transport, ip: String
    let shellPort, iopubPort, stdinPort, controlPort, hbPort: Int
    let key, signatureScheme: String

    /// Reads and checks the connection file at `path`; a problem is a `CommandError` naming the
    /// path, with status 66 (the file Jupyter gave cannot be used).
    static func load(path: String) throws -> ConnectionInfo {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw CommandError("connection file \(path) \(reason)", status: ExitStatus.noInput)
        }
        let json: OrderedJSON
        do { json = try OrderedJSON.parse(text) } catch { throw CommandError("connection file \(path) is not JSON: \(error)", status: ExitStatus.noInput) }
        func port(_ name: String) throws -> Int {
            guard let value = json[name]?.intValue, (0...65535).contains(value) else {
                throw CommandError("connection file \(path): '\(name)' is missing or not a port number", status: ExitStatus.noInput)
            }
            return value
        }
        let scheme = json["signature_scheme"]?.stringValue ?? "hmac-sha256"
        guard scheme == "hmac-sha256" || (json["key"]?.stringValue ?? "").isEmpty else {
            throw CommandError("connection file \(path): signature_scheme '\(scheme)' is not supported (only hmac-sha256)",
                               status: ExitStatus.noInput)
        }
        return ConnectionInfo(transport: json["transport"]?.stringValue ?? "tcp", ip: json["ip"]?.stringValue ?? "127.0.0.1",
                              shellPort: try port("shell_port"), iopubPort: try port("iopub_port"), stdinPort: try port("stdin_port"),
                              controlPort: try port("control_port"), hbPort: try port("hb_port"),
                              key: json["key"]?.stringValue ?? "", signatureScheme: scheme)
    }

    /// The ZeroMQ endpoint of `port`: `tcp://IP:PORT`, or `ipc://IP-PORT`.
    func endpoint(_ port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "\(transport)://\(ip):\(port)"
    }
}
