import AsyncHTTPClient
import Attestation
import CreditCore
import Foundation
import Gateway
import GatewayAPI
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `creditgate serve` process (built next to the test bundle by `swift test`).
enum ServeProcess {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("creditgate")
    }

    /// Starts `creditgate serve` on `configuration` (written to a JSON file) and waits for its port.
    static func start(_ configuration: GatewayConfiguration, in folder: URL) async throws -> (Process, Int) {
        let settings: [String: Any] = [
            "server": ["host": "127.0.0.1", "port": 0],
            "tls": ["certificate": configuration.certificate, "key": configuration.privateKey, "ca": configuration.caBundle],
            "clients": ["registry": configuration.clientRegistry],
            "state": ["directory": configuration.stateDirectory],
            "archive": ["path": configuration.archivePath],
        ]
        let file = folder.appendingPathComponent("creditgate.json")
        try JSONSerialization.data(withJSONObject: settings).write(to: file)
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--config", file.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The log line "listening url=https://127.0.0.1:PORT"; reading blocks, so off the cooperative pool.
        let reader = errors.fileHandleForReading
        let port = await Task.detached { () -> Int? in
            var seen = ""
            while true {
                let data = reader.availableData
                if data.isEmpty { return nil }
                seen += String(decoding: data, as: UTF8.self)
                if let range = seen.range(of: #"https://127\.0\.0\.1:[0-9]+"#, options: .regularExpression),
                   let port = Int(seen[range].split(separator: ":").last ?? "") {
                    return port
                }
            }
        }.value
        if let port { return (process, port) }
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "creditgate serve ended before listening"])
    }
}

@Suite("Shutdown", .serialized)
struct ShutdownTests {
    @Test func sigtermUnderLoadDrainsAndLosesNoAnsweredRequest() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: ServeProcess.executable.path), "build the creditgate product first")
        let (folder, pki, configuration) = try await TestGateway.prepare()
        let (process, port) = try await ServeProcess.start(configuration, in: folder)
        let http = try TestGateway.httpClient(pki: pki, role: "bureau")
        let base = URL(string: "https://localhost:\(port)")!

        // Eight clients send checks back to back until the server stops answering.
        let answers = try await withThrowingTaskGroup(of: [TestGateway.RawResponse].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var answered: [TestGateway.RawResponse] = []
                    for n in 0..<100_000 {
                        let id = try ResidentID(region: "110105", birthDate: CalendarDay(dayNumber: 3000 + worker * 1000 + n % 1000), sequence: n % 997).unmaskedValue
                        let body = #"{"candidate":{"name":"张三","idNumber":"\#(id)"},"purpose":{"code":"civil-service-exam","recruitmentId":"R1","consentReference":"C1"}}"#
                        guard let response = try? await TestGateway.send("POST", base, "/v1/checks", body: body, contentType: "application/json", with: http) else { break }
                        if response.status == 200 { answered.append(response) }
                    }
                    return answered
                }
            }
            try await Task.sleep(for: .milliseconds(1500))
            kill(process.processIdentifier, SIGTERM)
            return try await group.reduce(into: []) { $0 += $1 }
        }
        process.waitUntilExit()
        try await http.shutdown()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        #expect(answers.count > 10, "only \(answers.count) answers before SIGTERM")

        // Every answer a client received is in the intact log, where its receipt says.
        let state = try await ServiceState.open(configuration.stateDirectory)
        let report = try AuditVerifier.verify(path: folder.appendingPathComponent("state/audit.sqlite").path,
                                              origin: ServiceState.defaultOrigin, verifiers: try state.noteVerifiers())
        #expect(report.isIntact, "\(report)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for answer in answers {
            let result = try decoder.decode(Components.Schemas.CheckResult.self, from: Data(answer.body))
            let stored = try await state.audit.entries(from: Int(result.audit.logIndex), count: 1)
            let entry = try #require(stored.first)
            #expect(Base64.standard(MerkleTree.leafHash(entry.data)) == result.audit.leafHash)
            #expect(String(decoding: entry.data, as: UTF8.self).contains(result.checkId))
        }
        let size = await state.audit.treeSize
        let last = try await state.audit.entries(from: size - 2, count: 2).map { String(decoding: $0.data, as: UTF8.self) }
        #expect(last.contains { $0.contains("server.stop") })
    }
}
