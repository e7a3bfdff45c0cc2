import AsyncHTTPClient
import Attestation
import CreditCore
import Foundation
import Gateway
import GatewayAPI
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The real `creditgate serve` process (built next to the test bundle by `swift test`).
enum ServeProcess {
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("creditgate")
    }

    /// Starts `creditgate serve` on `configuration` and waits for its port. The settings file and
    /// the process's log (`serve.json`, `serve.log`, appended to at each start) are in its state folder.
    /// `extra`: more settings, by section.
    static func start(_ configuration: GatewayConfiguration, extra: [String: Any] = [:]) async throws -> (Process, Int) {
        var settings: [String: Any] = [
            "server": ["host": "127.0.0.1", "port": 0],
            "tls": ["certificate": configuration.certificate, "key": configuration.privateKey, "ca": configuration.caBundle],
            "clients": ["registry": configuration.clientRegistry],
            "state": ["directory": configuration.stateDirectory],
            "archive": ["path": configuration.archivePath],
            "jobs": ["lease-seconds": configuration.jobLeaseSeconds],
        ]
        if let url = configuration.databaseURL { settings["database"] = ["url": url] }
        settings.merge(extra) { $1 }
        let state = URL(fileURLWithPath: configuration.stateDirectory)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let file = state.appendingPathComponent("serve.json")
        try JSONSerialization.data(withJSONObject: settings).write(to: file)
        let log = state.appendingPathComponent("serve.log")
        if !FileManager.default.fileExists(atPath: log.path) { FileManager.default.createFile(atPath: log.path, contents: nil) }
        let output = try FileHandle(forWritingTo: log)
        let start = try output.seekToEnd()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--config", file.path]
        process.standardError = output
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try output.close()
        // The log line "listening url=https://127.0.0.1:PORT" of this start.
        for _ in 0..<1200 where process.isAlive {
            let seen = String(decoding: (try? Data(contentsOf: log))?.dropFirst(Int(start)) ?? Data(), as: UTF8.self)
            if let range = seen.range(of: #"https://127\.0\.0\.1:[0-9]+"#, options: .regularExpression),
               let port = Int(seen[range].split(separator: ":").last ?? "") {
                return (process, port)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "creditgate serve did not listen; see \(log.path)"])
    }
}

extension UnderLoad {
@Suite("Shutdown and crashes", .serialized)
struct ShutdownTests {
    /// Counts answers across the client tasks.
    final class Tally: Sendable {
        let answered = Atomic<Int>(0)
    }

    /// Eight clients send checks back to back; `signal` is sent once `after` has passed and at least
    /// `answers` answers have come back (so a slow machine still kills mid-load, not before it); the answers received.
    static func load(port: Int, pki: DevelopmentPKI, process: Process, signal: Int32, after: Duration, answers wanted: Int = 20,
                     round: Int = 0) async throws -> [Components.Schemas.CheckResult] {
        let http = try TestGateway.httpClient(pki: pki, role: "bureau")
        let tally = Tally()
        let base = URL(string: "https://localhost:\(port)")!
        let answers = try await withThrowingTaskGroup(of: [TestGateway.RawResponse].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var answered: [TestGateway.RawResponse] = []
                    for n in 0..<100_000 {
                        let id = try ResidentID(region: "110105", birthDate: CalendarDay(dayNumber: 3000 + round * 8000 + worker * 1000 + n % 1000),
                                                sequence: n % 997).unmaskedValue
                        let body = #"{"candidate":{"name":"张三","idNumber":"\#(id)"},"purpose":{"code":"civil-service-exam","recruitmentId":"R1","consentReference":"C1"}}"#
                        guard let response = try? await TestGateway.send("POST", base, "/v1/checks", body: body, contentType: "application/json", with: http) else { break }
                        if response.status == 200 {
                            answered.append(response)
                            tally.answered.add(1, ordering: .relaxed)
                        }
                    }
                    return answered
                }
            }
            try await Task.sleep(for: after)
            let deadline = ContinuousClock.now + .seconds(60)
            while tally.answered.load(ordering: .relaxed) < wanted, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            kill(process.processIdentifier, signal)
            return try await group.reduce(into: []) { $0 += $1 }
        }
        _ = await process.exited()
        try await http.shutdown()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try answers.map { try decoder.decode(Components.Schemas.CheckResult.self, from: Data($0.body)) }
    }

    /// The log verifies, and every answer is in it where its receipt says, with a proof that verifies.
    static func expectEveryAnswerLogged(_ answers: [Components.Schemas.CheckResult], state directory: String) async throws {
        let state = try await ServiceState.open(directory)
        let verifiers = try await state.noteVerifiers()
        let report = try await AuditVerifier.verify(store: state.audit.store, origin: ServiceState.defaultOrigin, verifiers: verifiers)
        #expect(report.isIntact, "\(report)")
        for answer in answers {
            let entry = try #require(try await state.audit.entries(from: Int(answer.audit.logIndex), count: 1).first)
            #expect(Base64.standard(MerkleTree.leafHash(entry.data)) == answer.audit.leafHash)
            #expect(String(decoding: entry.data, as: UTF8.self).contains(answer.checkId))
            let checkpoint = try Checkpoint.open(answer.audit.checkpoint, verifiers: verifiers, origin: ServiceState.defaultOrigin)
            let proof = answer.audit.inclusionProof.compactMap { Base64.decodeStandard($0) }
            #expect(MerkleTree.verifyInclusion(index: Int(answer.audit.logIndex), size: Int(answer.audit.treeSize),
                                               leafHash: MerkleTree.leafHash(entry.data), proof: proof, root: checkpoint.rootHash))
        }
    }

    @Test func sigtermUnderLoadDrainsAndLosesNoAnsweredRequest() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: ServeProcess.executable.path), "build the creditgate product first")
        let (_, pki, configuration) = try await TestGateway.prepare()
        let (process, port) = try await ServeProcess.start(configuration)
        let answers = try await Self.load(port: port, pki: pki, process: process, signal: SIGTERM, after: .milliseconds(1500))
        #expect(process.exit == .init(status: 0, signalled: false))
        #expect(answers.count >= 20, "only \(answers.count) answers before SIGTERM")
        try await Self.expectEveryAnswerLogged(answers, state: configuration.stateDirectory)
        let state = try await ServiceState.open(configuration.stateDirectory)
        let size = try await state.audit.treeSize()
        let last = try await state.audit.entries(from: size - 2, count: 2).map { String(decoding: $0.data, as: UTF8.self) }
        #expect(last.contains { $0.contains("server.stop") })
    }

    @Test func killedUnderLoadRepeatedlyTheLogHoldsEveryAnswerGiven() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: ServeProcess.executable.path), "build the creditgate product first")
        let (_, pki, configuration) = try await TestGateway.prepare()
        var answers: [Components.Schemas.CheckResult] = []
        for round in 0..<3 {
            let (process, port) = try await ServeProcess.start(configuration)
            answers += try await Self.load(port: port, pki: pki, process: process, signal: SIGKILL, after: .milliseconds(800 + 300 * round), round: round)
            #expect(process.exit?.signalled == true)
            try await Self.expectEveryAnswerLogged(answers, state: configuration.stateDirectory)
        }
        #expect(answers.count >= 60, "only \(answers.count) answers")
    }
}
}
