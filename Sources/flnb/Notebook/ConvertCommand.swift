import Foundation
import FLTensor
import FLScript

/// `flnb convert FILE --to ipynb|flnb [--out FILE]`: a `.flnb` notebook to Jupyter's `.ipynb`
/// and back (see `Notebook.ipynb`). Without `--out` the result goes next to FILE with the new
/// extension; `--out -` writes it to standard output.
enum ConvertCommand {
    static let help = """
    Usage: flnb convert FILE --to ipynb|flnb [--out FILE]
      FILE.flnb → nbformat 4 .ipynb (markdown and code cells, recorded outputs, kernel flnb), or back.
      --out FILE   where to write (default: FILE with the new extension; - for standard output)
    A round trip .flnb → .ipynb → .flnb gives back the same bytes.
    Exit codes: 0 ok, 64 usage error, 65 the input is not a valid notebook, 66 input missing, 73 cannot write.

    """

    static func run(_ arguments: [String]) -> Int32 {
        var input: String?, target: String?, output: String?
        var index = 0
        func usage(_ problem: String) -> Int32 {
            Console.error("flnb convert: \(problem)\n\(help)")
            return ExitStatus.usage
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--help", "-h":
                Console.out(help)
                return ExitStatus.ok
            case "--to", "--out":
                guard index + 1 < arguments.count else { return usage("\(argument) needs a value") }
                index += 1
                if argument == "--to" { target = arguments[index] } else { output = arguments[index] }
            default:
                if argument.hasPrefix("--to=") { target = String(argument.dropFirst(5)) }
                else if argument.hasPrefix("--out=") { output = String(argument.dropFirst(6)) }
                else if argument.hasPrefix("-"), argument != "-" { return usage("unknown flag '\(argument)'") }
                else if input == nil { input = argument }
                else { return usage("one input file (got '\(input!)' and '\(argument)')") }
            }
            index += 1
        }
        guard let input else { return usage("which file?") }
        guard let target, ["ipynb", "flnb"].contains(target) else { return usage("--to ipynb or --to flnb") }
        let text: String
        do {
            text = try AtomicFile.readText(input)
        } catch {
            Console.error("flnb convert: cannot read \(input): \(error.localizedDescription)\n")
            return ExitStatus.noInput
        }
        let result: String
        switch convert(text, to: target) {
        case .failure(let problem):
            Console.error("flnb convert: \(input): \(problem)\n")
            return ExitStatus.scriptError
        case .success(let converted):
            result = converted
        }
        let destination = output ?? ((input as NSString).deletingPathExtension + "." + target)
        if destination == "-" {
            Console.out(result)
            return ExitStatus.ok
        }
        do {
            try AtomicFile.write(result, to: destination)
        } catch {
            Console.error("flnb convert: cannot write \(destination): \(error.localizedDescription)\n")
            return ExitStatus.cannotWrite
        }
        Console.out("wrote \(destination)\n")
        return ExitStatus.ok
    }

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// `text` converted to `target` ("ipynb": from .flnb; "flnb": from .ipynb).
    static func convert(_ text: String, to target: String) -> Result<String, Problem> {
        if target == "ipynb" {
            return .success(Notebook(parsing: text).ipynb.prettyText + "\n")
        }
        do {
            let json = try OrderedJSON.parse(text)
            return .success(try Notebook(ipynb: json).text)
        } catch let error as Notebook.IpynbError {
            return .failure(Problem(description: error.description))
        } catch {
            return .failure(Problem(description: "not JSON: \(error)"))
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
