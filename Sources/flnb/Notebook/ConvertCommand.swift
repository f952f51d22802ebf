import Foundation
import FLTensor
import FLScript

/// `flnb convert FILE --to ipynb|flnb [--out FILE]`: a `.flnb` notebook to Jupyter's `.ipynb`
/// and back (see `Notebook.ipynb`). Without `--out` the result goes next to FILE with the new
/// extension; `--out -` writes it to standard output.
enum ConvertCommand: Subcommand {
    static let name = "convert"
    static let usage = ["FILE --to ipynb|flnb [--out FILE]"]
    static let summary = "a notebook to Jupyter's .ipynb format and back"
    static let about = """
    FILE.flnb → nbformat 4 .ipynb (markdown and code cells, recorded outputs, kernel flnb), or back.
    A round trip .flnb → .ipynb → .flnb gives back the same bytes.
    """
    static let options = [Option("--to", value: "ipynb|flnb", help: "the format to write"),
                          Option("--out", value: "FILE", help: "where to write (default: FILE with the new extension; - for standard output)")]
    static let details = "Exit codes: 0 ok, 64 usage error, 65 the input is not a valid notebook, 66 input missing, 73 cannot write."

    static func run(_ arguments: [String]) throws -> Int32 {
        var input: String?, target: String?, output: String?
        var scanner = OptionScanner(arguments, options: options)
        while let item = try scanner.next() {
            switch item {
            case .option(let option, let value): if option.name == "--to" { target = value } else { output = value }
            case .positional(let argument):
                guard input == nil else { throw CommandError.usage("one input file (got '\(input!)' and '\(argument)')") }
                input = argument
            }
        }
        guard let input else { throw CommandError.usage("which file?") }
        guard let target, ["ipynb", "flnb"].contains(target) else { throw CommandError.usage("--to ipynb or --to flnb") }
        let text: String
        do { text = try AtomicFile.readText(input) } catch {
            throw CommandError("cannot read \(input): \(error.localizedDescription)", status: ExitStatus.noInput)
        }
        let result = try convert(text, named: input, to: target)
        let destination = output ?? ((input as NSString).deletingPathExtension + "." + target)
        if destination == "-" {
            Console.out(result)
            return ExitStatus.ok
        }
        do { try AtomicFile.write(result, to: destination) } catch {
            throw CommandError("cannot write \(destination): \(error.localizedDescription)", status: ExitStatus.cannotWrite)
        }
        Console.out("wrote \(destination)\n")
        return ExitStatus.ok
    }

    /// `text` (the file `name`) converted to `target` ("ipynb": from .flnb; "flnb": from .ipynb).
    static func convert(_ text: String, named name: String, to target: String) throws -> String {
        if target == "ipynb" { return Notebook(parsing: text).ipynb.prettyText + "\n" }
        do { return try Notebook(ipynb: try OrderedJSON.parse(text)).text } catch let error as Notebook.IpynbError {
            throw CommandError("\(name): \(error.description)", status: ExitStatus.scriptError)
        } catch {
            throw CommandError("\(name): not JSON: \(error)", status: ExitStatus.scriptError)
        }
    }
}

extension OrderedJSON {
    /// JSON with one member or item per line, indented by one space a level (as nbformat writes).
    var prettyText: String { pretty(indent: "") }

    private func pretty(indent: String) -> String {
        let inner = indent + " "
        switch self {
        case .array(let items) where !items.isEmpty:
            return "[\n" + items.map { inner + $0.pretty(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let members) where !members.isEmpty:
            return "{\n" + members.map { inner + OrderedJSON.quote($0.key) + ": " + $0.value.pretty(indent: inner) }.joined(separator: ",\n")
                + "\n" + indent + "}"
        case .array: return "[]"
        case .object: return "{}"
        default: return text
        }
    }
}
