import AsyncHTTPClient
import ArchiveClient
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

extension UnderLoad {
/// `creditgate serve` killed with SIGKILL twenty times while it answers single checks, inline
/// batches and dispositions, runs a batch job and takes feed imports, restarted each time. After
/// every kill the audit log verifies and holds every answer a client received, with a proof that
/// verifies; every disposition a client was told of is stored; an import is in the archive whole or
/// not at all; and the job, once the gateway is left running, has every line once.
@Suite("Killed twenty times under mixed load", .serialized)
struct KillLoopTests {
    static let rounds = 20
    /// Large enough that an import is often still running when the kill comes.
    static let importLines = 20_000

    @Test func twentyKillsUnderMixedLoadLoseNothing() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: ServeProcess.executable.path), "build the creditgate product first")
        let (_, pki, configuration) = try await TestGateway.prepare()
        var received = Received()
        var jobID: String?
        var baseEvents = 0
        var importsSent = 0
        /// What the last kill left: each import sent is in the archive whole or not at all, and
        /// each one answered is there.
        func expectWholeImports(_ events: Int, _ when: String) {
            let added = events - baseEvents
            #expect(added % Self.importLines == 0 && (received.imports...importsSent).contains(added / Self.importLines),
                    "\(when): \(added) listings added by \(received.imports) imports answered of \(importsSent) sent")
        }
        for round in 0..<Self.rounds {
            let (process, port) = try await ServeProcess.start(configuration)
            let gateway = try Clients(port: port, pki: pki)
            if round == 0 {
                baseEvents = try await gateway.defaulterEvents()
                jobID = try await gateway.submitJob(lines: 12_000)
            } else {
                expectWholeImports(try await gateway.defaulterEvents(), "round \(round)")
            }
            // Every third round a new feed is imported: the kill comes in the middle of it, or (every
            // other time) once it has been answered.
            var feed: String?
            if round % 3 == 1 {
                feed = try Self.newListings(Self.importLines, seed: UInt64(round))
                importsSent += 1
            }
            received.merge(try await gateway.mixedLoad(
                process: process, round: round, disposable: received.answers.map(\.checkId), importing: feed,
                killAfterImport: round % 6 == 1))
            try await gateway.shutdown()
            #expect(process.exit?.signalled == true, "round \(round): the gateway was not killed")
            try await ShutdownTests.expectEveryAnswerLogged(received.answers, state: configuration.stateDirectory)
        }

        let (process, port) = try await ServeProcess.start(configuration)
        let gateway = try Clients(port: port, pki: pki)
        expectWholeImports(try await gateway.defaulterEvents(), "at the end")
        // Each disposition a client was answered for is stored, under the number it was given.
        for (checkID, sequences) in Dictionary(grouping: received.dispositions, by: \.checkID) {
            let stored = try await gateway.storedDispositions(checkID)
            #expect(Set(sequences.map(\.sequence)).isSubset(of: stored), "check \(checkID): \(sequences.map(\.sequence)) not all in \(stored)")
        }
        let indexes = try await gateway.finishedJobIndexes(try #require(jobID))
        #expect(indexes == Array(0..<12_000), "the job's results hold \(indexes.count) lines")
        #expect(received.answers.count >= 20 * Self.rounds, "only \(received.answers.count) answers")
        #expect(received.dispositions.count >= Self.rounds, "only \(received.dispositions.count) dispositions")
        try await gateway.shutdown()
        kill(process.processIdentifier, SIGTERM)
        _ = await process.exited()
        try await ShutdownTests.expectEveryAnswerLogged(received.answers, state: configuration.stateDirectory)
        print("kill loop: \(Self.rounds) kills, \(received.answers.count) answers, \(received.dispositions.count) dispositions, "
              + "\(received.imports) of \(importsSent) imports answered, all logged")
    }

    /// What clients were told, across rounds.
    struct Received: Sendable {
        var answers: [Components.Schemas.CheckResult] = []
        var dispositions: [(checkID: String, sequence: Int)] = []
        var imports = 0

        mutating func merge(_ other: Received) {
            answers += other.answers
            dispositions += other.dispositions
            imports += other.imports
        }
    }

    /// `count` listings of new people, one event each, under case numbers of their own for each seed.
    static func newListings(_ count: Int, seed: UInt64) throws -> String {
        var generator = try SyntheticArchive(seed: 90_000 + seed)
        return (0..<count).map { index in
            let person = generator.person()
            return #"{"iname":"\#(person.name)","cardNum":"\#(person.id.unmaskedValue)","caseCode":"(2025)京0105执\#(seed * 100_000 + UInt64(index))号","courtName":"北京市朝阳区人民法院","regDate":"20250102","publishDate":"2025年03月04日","disruptTypeName":"有履行能力而拒不履行生效法律文书确定义务"}"#
        }.joined(separator: "\n") + "\n"
    }

    /// One client per role for a running `creditgate serve`.
    struct Clients {
        let base: URL
        let bureau: HTTPClient
        let archivist: HTTPClient

        init(port: Int, pki: DevelopmentPKI) throws {
            base = URL(string: "https://localhost:\(port)")!
            bureau = try TestGateway.httpClient(pki: pki, role: "bureau")
            archivist = try TestGateway.httpClient(pki: pki, role: "archivist")
        }

        func shutdown() async throws {
            try await bureau.shutdown()
            try await archivist.shutdown()
        }

        static let decoder: JSONDecoder = {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return decoder
        }()

        func defaulterEvents() async throws -> Int {
            let status = try await TestGateway.send("GET", base, "/v1/archive/status", body: nil, contentType: nil, with: archivist)
            return try #require(status.json["defaulterEvents"] as? Int, "\(status.text)")
        }

        func submitJob(lines: Int) async throws -> String {
            let accepted = try await TestGateway.send("POST", base, "/v1/batches?\(BatchJobTests.query)", body: try BatchJobTests.feed(lines),
                                                      contentType: "application/x-ndjson", with: bureau)
            #expect(accepted.status == 202, "\(accepted.text)")
            return try #require(accepted.json["batchId"] as? String)
        }

        func storedDispositions(_ checkID: String) async throws -> Set<Int> {
            let stored = try await TestGateway.send("GET", base, "/v1/checks/\(checkID)", body: nil, contentType: nil, with: bureau)
            let check = try Self.decoder.decode(Components.Schemas.StoredCheck.self, from: Data(stored.body))
            return Set(check.dispositions.map(\.sequence))
        }

        func finishedJobIndexes(_ id: String) async throws -> [Int] {
            for _ in 0..<1200 {
                let job = try await TestGateway.send("GET", base, "/v1/batches/\(id)", body: nil, contentType: nil, with: bureau).json
                if job["status"] as? String == "finished" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let results = try await TestGateway.send("GET", base, "/v1/batches/\(id)/results", body: nil, contentType: nil, with: bureau)
            return results.text.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["index"] as? Int
            }
        }

        /// Single checks (four clients), inline batches of ten, dispositions on answers of earlier
        /// rounds, and the import when given, until SIGKILL: sent after a second and once twenty
        /// answers have come back (and the import's, with `killAfterImport`). What the clients were told.
        func mixedLoad(process: Process, round: Int, disposable: [String], importing feed: String?, killAfterImport: Bool) async throws -> Received {
            let tally = ShutdownTests.Tally()
            let imported = ShutdownTests.Tally()
            return try await withThrowingTaskGroup(of: Received.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var received = Received()
                        for n in 0..<100_000 {
                            let body = Self.checkBody(Self.candidate(round: round, worker: worker, n: n))
                            guard let response = try? await TestGateway.send("POST", base, "/v1/checks", body: body, contentType: "application/json", with: bureau)
                            else { break }
                            if response.status == 200 {
                                received.answers.append(try Self.decoder.decode(Components.Schemas.CheckResult.self, from: Data(response.body)))
                                tally.answered.add(1, ordering: .relaxed)
                            }
                        }
                        return received
                    }
                }
                group.addTask {
                    var received = Received()
                    for n in 0..<100_000 {
                        let candidates = (0..<10).map { Self.candidate(round: round, worker: 4, n: n * 10 + $0) }
                            .map { #"{"name":"张三","idNumber":"\#($0)"}"# }.joined(separator: ",")
                        let body = #"{"purpose":{"code":"civil-service-exam","recruitmentId":"R1","consentReference":"C1"},"candidates":[\#(candidates)]}"#
                        guard let response = try? await TestGateway.send("POST", base, "/v1/checks/batch", body: body, contentType: "application/json", with: bureau)
                        else { break }
                        if response.status == 200 {
                            let batch = try Self.decoder.decode(Components.Schemas.BatchCheckResult.self, from: Data(response.body))
                            received.answers += batch.items.compactMap(\.result)
                        }
                    }
                    return received
                }
                group.addTask {
                    var received = Received()
                    for (n, checkID) in disposable.suffix(200).reversed().enumerated() {
                        let body = #"{"outcome":"\#(n % 2 == 0 ? "confirmed" : "overturned")","operator":"hr.round\#(round)"}"#
                        guard let response = try? await TestGateway.send("POST", base, "/v1/checks/\(checkID)/disposition", body: body,
                                                                         contentType: "application/json", with: bureau)
                        else { break }
                        if response.status == 201, let sequence = response.json["sequence"] as? Int {
                            received.dispositions.append((checkID, sequence))
                        }
                    }
                    return received
                }
                if let feed {
                    group.addTask {
                        let response = try? await TestGateway.send("POST", base, "/v1/archive/imports?source=kill-loop", body: feed,
                                                                   contentType: "application/x-ndjson", with: archivist)
                        imported.answered.add(1, ordering: .relaxed)
                        return Received(imports: response?.status == 200 ? 1 : 0)
                    }
                }
                try await Task.sleep(for: .milliseconds(1000 + 97 * (round % 7)))
                let deadline = ContinuousClock.now + .seconds(60)
                while tally.answered.load(ordering: .relaxed) < 20 || (killAfterImport && imported.answered.load(ordering: .relaxed) == 0),
                      ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                kill(process.processIdentifier, SIGKILL)
                let received = try await group.reduce(into: Received()) { $0.merge($1) }
                _ = await process.exited()
                return received
            }
        }

        static func candidate(round: Int, worker: Int, n: Int) -> String {
            // Birth dates from 1978 to 2024, a different stretch for each round and worker.
            let day = 3000 + (round * 5 + worker) * 170 + n % 170
            return (try? ResidentID(region: "110105", birthDate: CalendarDay(dayNumber: day), sequence: n % 997).unmaskedValue) ?? ""
        }

        static func checkBody(_ id: String) -> String {
            #"{"candidate":{"name":"张三","idNumber":"\#(id)"},"purpose":{"code":"civil-service-exam","recruitmentId":"R1","consentReference":"C1"}}"#
        }
    }
}
}
