import Foundation
import FLData

/// `flnb data list | get NAME`.
enum DataCommand {
    static let usage = """
    Usage: flnb data list            what datasets flnb knows, which are present, where, how big
           flnb data get NAME        fetch a dataset into ./data (or $FLNB_DATA): fashion-mnist, mnist, cifar10, cifar100
    """
    static func run(_ args: [String]) -> Int32 {
        guard let sub = args.first else { FileHandle.standardError.write(Data((usage + "\n").utf8)); return ExitStatus.usage }
        switch sub {
        case "list":
            print(DatasetCatalog.listText(), terminator: "")
            return ExitStatus.ok
        case "get":
            guard args.count == 2 else { FileHandle.standardError.write(Data("flnb data get: name one dataset\n\(usage)\n".utf8)); return ExitStatus.usage }
            do {
                let text = try DatasetDownloader.get(args[1])
                print(text)
                return ExitStatus.ok
            } catch {
                FileHandle.standardError.write(Data("flnb data get: \(error)\n".utf8))
                return ExitStatus.runtimeError
            }
        case "--help", "-h", "help": print(usage); return ExitStatus.ok
        default:
            FileHandle.standardError.write(Data("flnb data: unknown subcommand '\(sub)'\n\(usage)\n".utf8))
            return ExitStatus.usage
        }
    }
}
