import Foundation
import FLData

/// `flnb data list | get NAME`.
enum DataCommand: Subcommand {
    static let name = "data"
    static let usage = ["list | get NAME"]
    static let summary = "datasets: what is present, fetch one"
    static let details = """
      list       what datasets flnb knows, which are present, where, how big
      get NAME   fetch a dataset into ./data (or $FLNB_DATA): fashion-mnist, mnist, cifar10, cifar100
    """

    static func run(_ args: [String]) throws -> Int32 {
        switch args.first {
        case nil: throw CommandError.usage("which subcommand?")
        case "list":
            print(DatasetCatalog.listText(), terminator: "")
        case "get":
            guard args.count == 2 else { throw CommandError.usage("get: name one dataset") }
            do { print(try DatasetDownloader.get(args[1])) } catch { throw CommandError("get \(args[1]): \(error)") }
        case "help": print(help)
        case let sub?: throw CommandError.usage("unknown subcommand '\(sub)'")
        }
        return ExitStatus.ok
    }
}
