import Foundation
import TestSupport

/// Python tools some tests use (CI installs them; see .ci/run): present, or the test is skipped
/// outside CI.
enum PythonTools {
    static func has(_ module: String) -> Bool {
        run(["-c", "import \(module)"]).status == 0
    }

    static func enabled(_ modules: String...) -> Bool {
        ProcessInfo.processInfo.environment["CI"] != nil || modules.allSatisfy(has)
    }

    /// Runs `python3 arguments…`; the exit status and everything it printed.
    @discardableResult
    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        guard (try? process.run()) != nil else { return (127, "python3 did not start") }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.waitForExit().status, text)
    }
}
