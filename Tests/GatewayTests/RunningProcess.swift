import Foundation
import TestSupport

/// A child process the tests run (`credit`, `st`): its output goes to a file, and its end is awaited
/// without blocking a thread (``Foundation/Process/exited()``). The tests share the cooperative pool
/// (two threads on CI) with the gateways they start and with tests that poll a child process of their own.
struct RunningProcess {
    let process: Process
    let output: URL

    /// Starts `executable` with `arguments` in `directory`; output (stdout and stderr) to a new file there.
    static func start(_ executable: URL, _ arguments: [String], environment: [String: String], in directory: URL) throws -> RunningProcess {
        let output = directory.appendingPathComponent("output-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try handle.close()
        return RunningProcess(process: process, output: output)
    }

    /// Waits for the end; the exit status and everything it printed.
    func finish() async throws -> (status: Int32, output: String) {
        let status = await process.exited().status
        return (status, try String(contentsOf: output, encoding: .utf8))
    }
}
