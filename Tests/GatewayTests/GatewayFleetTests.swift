import AsyncHTTPClient
import Attestation
import CreditCore
import Foundation
@testable import Gateway
import GatewayAPI
import PostgresNIO
import PostgresStorage
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Three `creditgate serve` processes on one PostgreSQL database, real mutual TLS, load spread over
/// all three; one after another is killed with SIGKILL mid-load and started again, five times.
/// Nothing any client was given may be lost or forked: the log verifies, every answer is in it and
/// proves against the latest checkpoint, every checkpoint seen is consistent with it, and a
/// 100,000-line job accepted by the first gateway killed finishes elsewhere, each line once.
extension UnderLoad {
@Suite("Three gateway processes on one database, killed in turn")
struct GatewayFleetTests {
    static let jobLines = 100_000

    @Test(.enabled(if: TestDatabase.url != nil, "needs PostgreSQL (Scripts/with-postgres swift test)"))
    func gatewaysKilledUnderLoadLoseNoAnswerAndForkNoCheckpoint() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: ServeProcess.executable.path), "build the creditgate product first")
        let first = try await TestGateway.prepare(on: .postgres) { configuration, _ in configuration.jobLeaseSeconds = 2 }
        let pki = first.1
        let database = try #require(first.2.databaseURL)
        // The first gateway makes the audit HMAC key its siblings are given.
        let fleet = Fleet()
        try await fleet.start(first.2)
        for _ in 1..<3 { try await fleet.start(try TestGateway.sibling(of: first).2) }
        let seen = SeenAnswers()
        let checkpoints: Set<String>
        do {
            checkpoints = try await TestGateway.withHTTPClient(pki: pki, role: "bureau") { http in
                try await Self.run(fleet, pki: pki, http: http, seen: seen, database: database)
            }
        } catch {
            // No gateway outlives a failed test.
            fleet.killAll()
            throw error
        }
        try await fleet.stopAll()

        // `creditgate audit verify` on the shared log, as an operator would run it.
        let verify = Process()
        verify.executableURL = ServeProcess.executable
        verify.arguments = ["audit", "verify", "--state", first.2.stateDirectory, "--database", database]
        verify.standardOutput = FileHandle.nullDevice
        try verify.run()
        #expect(await verify.exited().status == 0, "creditgate audit verify failed")

        let (answers, statuses) = seen.state.withLock { ($0.answers, $0.statuses) }
        #expect(answers.count >= 180, "\(answers.count) answers; statuses \(statuses)")
        #expect(statuses[500] == nil, "statuses: \(statuses)")
        let engine = try await PostgresEngine.open(url: database, maximumConnections: 4)
        let state = try await ServiceState.open(first.2.stateDirectory, audit: PostgresAuditLogStore(engine), directory: PostgresKeyDirectory(engine))
        let verifiers = try await state.noteVerifiers()
        let latest = try Checkpoint.open(try #require(try await state.audit.latestCheckpoint()), verifiers: verifiers, origin: ServiceState.defaultOrigin)
        // Every answer given is in the log where its receipt says, and proves against the latest checkpoint.
        for answer in answers.values {
            let index = Int(answer.audit.logIndex)
            let entry = try #require(try await state.audit.entries(from: index, count: 1).first)
            let leaf = MerkleTree.leafHash(entry.data)
            #expect(Base64.standard(leaf) == answer.audit.leafHash)
            let proof = try await state.audit.inclusionProof(index: index, treeSize: latest.size)
            #expect(MerkleTree.verifyInclusion(index: index, size: latest.size, leafHash: leaf, proof: proof, root: latest.rootHash))
        }
        // Every checkpoint anyone saw (in answers, or asked of a gateway) is one the latest extends:
        // so all of them are consistent with each other.
        let notes = checkpoints.union(answers.values.map(\.audit.checkpoint))
        for note in notes {
            let checkpoint = try Checkpoint.open(note, verifiers: verifiers, origin: ServiceState.defaultOrigin)
            if checkpoint.size == latest.size {
                #expect(checkpoint.rootHash == latest.rootHash, "two roots for size \(latest.size)")
                continue
            }
            let proof = try await state.audit.consistencyProof(from: checkpoint.size, to: latest.size)
            #expect(MerkleTree.verifyConsistency(oldSize: checkpoint.size, newSize: latest.size, oldRoot: checkpoint.rootHash,
                                                 newRoot: latest.rootHash, proof: proof), "checkpoint of size \(checkpoint.size) forks")
        }
        await engine.close()
    }

    /// The load, the five kills and the job; the checkpoints the gateways serve at the end.
    static func run(_ fleet: Fleet, pki: DevelopmentPKI, http: HTTPClient, seen: SeenAnswers, database: String) async throws -> Set<String> {
        // The job is accepted by gateway 0, the first to be killed.
        let accepted = try await TestGateway.send("POST", fleet.url(0), "/v1/batches?\(BatchJobTests.query)",
                                                  body: try BatchJobTests.feed(Self.jobLines), contentType: "application/x-ndjson", with: http,
                                                  timeout: .seconds(300))
        #expect(accepted.status == 202, "\(accepted.text)")
        let job = try #require(accepted.json["batchId"] as? String)

        let load = Task { try await Self.load(fleet, pki: pki, seen: seen) }
        // Once the job is under way, the gateway working on it (any of the three may have claimed
        // it) is the first killed, then the others in turn.
        var done = 0
        try await waitFor(seconds: 300, "for the job to get under way") {
            let progress = try? await TestGateway.send("GET", fleet.url(1), "/v1/batches/\(job)", body: nil, contentType: nil, with: http)
            done = progress?.json["done"] as? Int ?? 0
            return done >= 2_000
        }
        let holder = try await fleet.leaseHolder(of: job, database: database)
        for round in 0..<5 {
            let victim = (holder + round) % 3
            let answered = seen.answerCount
            try await waitFor(seconds: 300, "for answers before kill \(round)") { seen.answerCount >= answered + 30 }
            if round == 0 {
                let progress = try await TestGateway.send("GET", fleet.url((victim + 1) % 3), "/v1/batches/\(job)", body: nil, contentType: nil, with: http)
                #expect(progress.json["status"] as? String == "running", "the job is killed midway: \(progress.text)")
            }
            try await fleet.kill(victim)
            try await fleet.start(victim)
        }
        let answered = seen.answerCount
        try await waitFor(seconds: 300, "for answers after the last restart") { seen.answerCount >= answered + 30 }
        load.cancel()
        _ = await load.result

        // The job, taken over from the killed gateway, finishes with every line once and in order.
        var finished: [String: Any] = [:]
        try await waitFor(seconds: 900, "for the job to finish") {
            finished = (try? await TestGateway.send("GET", fleet.url(2), "/v1/batches/\(job)", body: nil, contentType: nil, with: http).json) ?? [:]
            return finished["status"] as? String == "finished" || finished["status"] as? String == "failed"
        }
        #expect(finished["status"] as? String == "finished" && finished["done"] as? Int == Self.jobLines, "\(finished)")
        let results = try await TestGateway.send("GET", fleet.url(1), "/v1/batches/\(job)/results", body: nil, contentType: nil, with: http,
                                                 timeout: .seconds(300))
        var expected = 0
        for line in results.text.split(separator: "\n") {
            let index = (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["index"] as? Int
            #expect(index == expected, "line \(expected) once, in order")
            if index != expected { break }
            expected += 1
        }
        #expect(expected == Self.jobLines)
        return try await checkpointsServed(fleet, http: http)
    }

    /// Six clients, each sending checks back to back to the three gateways in turn; a gateway that
    /// is down just fails that request.
    static func load(_ fleet: Fleet, pki: DevelopmentPKI, seen: SeenAnswers) async throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<6 {
                group.addTask {
                    try await TestGateway.withHTTPClient(pki: pki, role: "bureau") { http in
                        var n = 0
                        while !Task.isCancelled {
                            n += 1
                            let id = try ResidentID(region: "110105", birthDate: CalendarDay(dayNumber: 3000 + n % 9000), sequence: worker * 150 + n % 150)
                            let body = #"{"candidate":{"name":"张三","idNumber":"\#(id.unmaskedValue)"},"purpose":{"code":"civil-service-exam","recruitmentId":"GK2026-0001","consentReference":"C-1"}}"#
                            guard let response = try? await TestGateway.send("POST", fleet.url((worker + n) % 3), "/v1/checks", body: body,
                                                                             contentType: "application/json", with: http) else {
                                try? await Task.sleep(for: .milliseconds(20))
                                continue
                            }
                            seen.record(response.status, response.status == 200
                                ? try? decoder.decode(Components.Schemas.CheckResult.self, from: Data(response.body)) : nil)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// The latest checkpoint of each gateway.
    static func checkpointsServed(_ fleet: Fleet, http: HTTPClient) async throws -> Set<String> {
        var notes: Set<String> = []
        for gateway in 0..<3 {
            let response = try await TestGateway.send("GET", fleet.url(gateway), "/v1/audit/checkpoint", body: nil, contentType: nil, with: http)
            #expect(response.status == 200)
            notes.insert(response.text)
        }
        return notes
    }

    /// Three gateway processes: each one's configuration, process and current port.
    final class Fleet: Sendable {
        let members = Mutex<[(configuration: GatewayConfiguration, process: Process, port: Int)]>([])

        func start(_ configuration: GatewayConfiguration) async throws {
            let (process, port) = try await ServeProcess.start(configuration)
            members.withLock { $0.append((configuration, process, port)) }
        }

        /// Starts gateway `index` again, on its own state folder.
        func start(_ index: Int) async throws {
            let (process, port) = try await ServeProcess.start(members.withLock { $0[index].configuration })
            members.withLock { $0[index].process = process; $0[index].port = port }
        }

        func kill(_ index: Int) async throws {
            let process = members.withLock { $0[index].process }
            Glibc.kill(process.processIdentifier, SIGKILL)
            #expect(await process.exited().signalled)
        }

        /// Which gateway holds the job's lease (its owner name is `host/pid/nonce`).
        func leaseHolder(of job: String, database: String) async throws -> Int {
            let engine = try await PostgresEngine.open(url: database, maximumConnections: 1)
            var owner = ""
            for try await name in try await engine.client.query("SELECT lease_owner FROM batches WHERE batch_id = \(job)").decode(String?.self) {
                owner = name ?? ""
            }
            await engine.close()
            let pid = owner.split(separator: "/").dropFirst().first.flatMap { Int32($0) }
            return try #require(members.withLock { $0.firstIndex { $0.process.processIdentifier == pid } }, "lease owner \(owner)")
        }

        func killAll() {
            for process in members.withLock({ $0.map(\.process) }) where process.isAlive { Glibc.kill(process.processIdentifier, SIGKILL) }
        }

        func stopAll() async throws {
            for process in members.withLock({ $0.map(\.process) }) {
                process.terminate()
                _ = await process.exited()
            }
        }

        func url(_ index: Int) -> URL {
            URL(string: "https://localhost:\(members.withLock { $0[index].port })")!
        }
    }
}
}
