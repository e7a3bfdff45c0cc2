import Foundation

/// A child process the tests run (`credit`, `st`): its output goes to a file, and its end is awaited
/// without blocking a thread. The tests share the cooperative pool (two threads on CI) with the
/// gateways they start and with tests that poll a child process of their own.
struct RunningProcess {
    let process: Process
    let ended: AsyncStream<Void>
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
        let (ended, continuation) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in
            try? handle.close()
            continuation.finish()
        }
        try process.run()
        return RunningProcess(process: process, ended: ended, output: output)
    }

    /// Waits for the end; the exit status and everything it printed.
    func finish() async throws -> (status: Int32, output: String) {
        for await _ in ended {}
        return (process.terminationStatus, try String(contentsOf: output, encoding: .utf8))
    }
}
