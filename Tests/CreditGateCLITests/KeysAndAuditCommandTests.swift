import Foundation
import GRDB
import Testing
import TestSupport

@Suite("creditgate keys and audit commands")
struct KeysAndAuditCommandTests {
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = CreditGateExecutable.url
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func rotationIsAuditedAndTamperingIsNamed() throws {
        let state = TemporaryFiles.url("state").path
        #expect(try run(["keys", "rotate", "--state", state]).status == 0)
        #expect(try run(["keys", "rotate", "--state", state]).status == 0)
        let shown = try run(["keys", "show", "--state", state])
        let jwks = try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any]
        #expect((jwks?["keys"] as? [Any])?.count == 3)
        #expect(!shown.output.contains("\"d\""))
        let intact = try run(["audit", "verify", "--state", state])
        #expect(intact.status == 0)
        #expect(intact.output.contains("3 entries"))

        let queue = try DatabaseQueue(path: state + "/audit.sqlite")
        try queue.write { db in try db.execute(sql: "UPDATE entries SET data = CAST('{}' AS BLOB) WHERE idx = 1") }
        let altered = try run(["audit", "verify", "--state", state])
        #expect(altered.status == 1)
        #expect(altered.output.contains("first bad index 1"))
    }
}
