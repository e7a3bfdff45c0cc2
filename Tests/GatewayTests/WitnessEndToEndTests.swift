import Attestation
import Foundation
import Gateway
import Logging
import SQLiteStorage
import ServiceLifecycle
import TestSupport
import Testing

/// Witnesses over real HTTPS: `creditgate witness serve`'s service cosigns a gateway's growing log,
/// the gateway publishes the cosigned checkpoint, `credit verify --witnesses 1` accepts a genuine
/// receipt, and a forked log (the same key, another history) is refused by the witness and its
/// receipt by `credit verify`.
@Suite("Witnesses, end to end", .serialized)
struct WitnessEndToEndTests {
    /// A witness in this process, trusting the gateway's published keys.
    struct RunningWitness {
        let port: Int
        let key: WitnessKey
        let folder: URL
        let group: ServiceGroup
        let running: Task<Void, any Error>

        static func start(pki: DevelopmentPKI, trusting keySet: URL) async throws -> RunningWitness {
            var configuration = WitnessService.Configuration()
            configuration.folder = TemporaryFiles.url("creditgate-witness").path
            configuration.name = "witness.test/w1"
            configuration.port = 0
            configuration.certificate = pki.server.certificate.path
            configuration.privateKey = pki.server.key.path
            configuration.logKeySets = [("creditgate.local/audit", keySet.path)]
            var logger = Logger(label: "test-witness")
            logger.logLevel = .error
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            let app = try WitnessService.make(configuration: configuration, logger: logger) { continuation.yield($0) }
            let group = ServiceGroup(services: [app], logger: logger)
            let running = Task { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            return RunningWitness(port: port, key: try WitnessService.signer(configuration).witnessKey,
                                  folder: URL(fileURLWithPath: configuration.folder), group: group, running: running)
        }

        var endpoint: String { "https://localhost:\(port) \(key.verifierKey)" }

        func refusals() async throws -> [(origin: String, reason: String)] {
            try await SQLiteWitnessStore(path: folder.appendingPathComponent("witness.sqlite").path).refusals()
        }

        func stop() async throws {
            await group.triggerGracefulShutdown()
            try await running.value
        }
    }

    /// A gateway (public listener on) whose checkpoints a witness cosigns: its signing key made
    /// first (its state opened once) and published to the witness as a JWK Set file.
    static func witnessedGateway() async throws -> (gateway: TestGateway, witness: RunningWitness, keySet: URL) {
        var prepared = try await TestGateway.prepare()
        let state = try await ServiceState.open(prepared.2.stateDirectory)
        let keySet = prepared.0.appendingPathComponent("jwks.json")
        try JSONEncoder().encode(try await state.publishedKeys()).write(to: keySet)
        let witness = try await RunningWitness.start(pki: prepared.1, trusting: keySet)
        prepared.2.witnesses = [witness.endpoint]
        prepared.2.witnessIntervalMilliseconds = 50
        prepared.2.publicPort = 0
        // The tests poll the public listener for the cosigned checkpoint: not a rate to limit.
        prepared.2.publicRatePerSecond = 10_000
        prepared.2.publicRateBurst = 10_000
        return (try await TestGateway(prepared: prepared), witness, keySet)
    }

    /// The log's size now, read on the public listener (not audited: reading does not grow it).
    static func size(of gateway: TestGateway) async throws -> Int {
        let note = try await PublicListenerTests.anonymous(gateway, "GET", "/v1/audit/checkpoint").text
        return try Checkpoint(body: try SignedNote.lines(of: note).text).size
    }

    /// The gateway's cosigned checkpoint once it covers `size` entries.
    static func cosigned(_ gateway: TestGateway, covering size: Int) async throws -> String {
        for _ in 0..<200 {
            let response = try await PublicListenerTests.anonymous(gateway, "GET", "/v1/audit/checkpoint/cosigned")
            if response.status == 200, let checkpoint = try? Checkpoint(body: try SignedNote.lines(of: response.text).text), checkpoint.size >= size {
                return response.text
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CancellationError()
    }

    @Test func aWitnessCosignsTheGrowingLogAndCreditVerifyRequiresIt() async throws {
        let (gateway, witness, keySet) = try await Self.witnessedGateway()
        let session = try CreditClientEndToEndTests.Session(gateway)

        var sizes: [Int] = []
        for name in ["张三", "李四"] {
            let checked = try await session.run(["check", "--name", name, "--id", "11010519491231002X"])
            #expect(checked.status == 0, "\(checked.output)")
            let size = try await Self.size(of: gateway)
            let note = try await Self.cosigned(gateway, covering: size)
            let keys = try await gateway.keys()
            let checkpoint = try Checkpoint.open(note, verifiers: keys.noteVerifiers(name: "creditgate.local/audit"), origin: "creditgate.local/audit")
            #expect(witness.key.cosignedAt(note) != nil, "\(note)")
            sizes.append(checkpoint.size)

            // The independent verifier, written from the C2SP specs with PyPI's `cryptography`.
            if PythonTools.enabled("cryptography") {
                let noteFile = session.folder.appendingPathComponent("cosigned-\(sizes.count).txt")
                try Data(note.utf8).write(to: noteFile)
                let (status, output) = PythonTools.run([Self.interop.path, noteFile.path, keySet.path, witness.key.verifierKey])
                #expect(status == 0, "\(output)")
                #expect(output.contains("log signature ok") && output.contains("cosignature ok"), "\(output)")
            }
        }
        #expect(sizes[1] > sizes[0], "the witness cosigned the log as it grew")
        // Published on the public listener too, and the witness list beside it.
        let published = try await PublicListenerTests.anonymous(gateway, "GET", "/v1/audit/witnesses").json
        #expect((published["witnesses"] as? [[String: Any]])?.first?["verifierKey"] as? String == witness.key.verifierKey)
        #expect(try await PublicListenerTests.anonymous(gateway, "GET", "/v1/audit/checkpoint/cosigned").status == 200)

        let receipts = try FileManager.default.contentsOfDirectory(at: session.receipts, includingPropertiesForKeys: nil).filter { $0.pathExtension == "receipt" }
        #expect(receipts.count == 2)
        let verified = try await session.run(["verify", "--witnesses", "1", "--witness-key", witness.key.verifierKey] + receipts.map(\.path))
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.contains("witnesses: consistent with the checkpoint"), "\(verified.output)")
        // Two witnesses required, one known: a usage error; an unknown witness key: refused.
        let stranger = CosignatureSigner(name: "witness.test/w2", key: Ed25519SigningKey()).witnessKey.verifierKey
        let wrongWitness = try await session.run(["verify", "--witnesses", "1", "--witness-key", stranger, receipts[0].path])
        #expect(wrongWitness.status == 20 && wrongWitness.output.contains("0 of the 1 required witnesses"), "\(wrongWitness.output)")
        try await gateway.stop()
        try await witness.stop()
    }

    @Test func aForkedLogIsRefusedByTheWitnessAndItsReceiptsByCreditVerify() async throws {
        let (genuine, witness, _) = try await Self.witnessedGateway()
        let session = try CreditClientEndToEndTests.Session(genuine)
        #expect(try await session.run(["check", "--name", "张三", "--id", "11010519491231002X"]).status == 0)
        _ = try await Self.cosigned(genuine, covering: try await Self.size(of: genuine))

        // The fork: the same signing key and origin, its own log, showing a longer history.
        var fork = try await TestGateway.prepare()
        let keys = URL(fileURLWithPath: genuine.configuration.stateDirectory).appendingPathComponent("keys")
        let forkState = URL(fileURLWithPath: fork.2.stateDirectory)
        try FileManager.default.createDirectory(at: forkState, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: keys, to: forkState.appendingPathComponent("keys"))
        fork.2.witnesses = [witness.endpoint]
        fork.2.witnessCA = genuine.pki.ca.certificate.path
        fork.2.witnessIntervalMilliseconds = 50
        let forked = try await TestGateway(prepared: fork)
        let forkSession = try CreditClientEndToEndTests.Session(forked)
        // Longer than the witnessed log, so that the fork's checkpoint claims to extend it.
        let candidates = (0..<(try await Self.size(of: genuine) + 20)).map { _ in #"{"name":"王五","idNumber":"11010519491231002X"}"# }
        let batch = try await forked.raw("bureau", "POST", "/v1/checks/batch", body: #"{"candidates":["# + candidates.joined(separator: ",")
            + #"],"purpose":{"code":"civil-service-exam","recruitmentId":"GK2026-0001","consentReference":"C-1"}}"#)
        #expect(batch.status == 200, "\(batch.text)")
        #expect(try await forkSession.run(["check", "--name", "王五", "--id", "11010519491231002X"]).status == 0)

        // The witness refuses the fork's checkpoint as inconsistent with what it cosigned, and keeps it.
        var refusals: [(origin: String, reason: String)] = []
        for _ in 0..<200 where refusals.isEmpty {
            refusals = try await witness.refusals()
            if refusals.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(refusals.first?.reason.contains("not consistent") == true, "\(refusals)")
        #expect(try await forked.raw("auditor", "GET", "/v1/audit/checkpoint/cosigned", contentType: nil).status == 404)

        // The fork's receipt verifies on its own (same key, its own proofs) but not against the
        // witnessed log.
        let forkReceipt = try #require(try FileManager.default.contentsOfDirectory(at: forkSession.receipts, includingPropertiesForKeys: nil)
            .first { $0.pathExtension == "receipt" })
        let alone = try await session.run(["verify", "--keys", forkSession.receipts.appendingPathComponent("keys.json").path, forkReceipt.path])
        #expect(alone.status == 0, "\(alone.output)")
        let verify = ["verify", "--witnesses", "1", "--witness-key", witness.key.verifierKey, forkReceipt.path]
        let ahead = try await session.run(verify)
        #expect(ahead.status == 20, "\(ahead.output)")
        #expect(ahead.output.contains("no witness has cosigned a checkpoint covering this receipt"), "\(ahead.output)")
        // Once the witnessed log is longer than the fork's receipt, the two histories meet: refused as a fork.
        let more = (0..<40).map { _ in #"{"name":"张三","idNumber":"11010519491231002X"}"# }
        let grown = try await genuine.raw("bureau", "POST", "/v1/checks/batch", body: #"{"candidates":["# + more.joined(separator: ",")
            + #"],"purpose":{"code":"civil-service-exam","recruitmentId":"GK2026-0001","consentReference":"C-1"}}"#)
        #expect(grown.status == 200)
        _ = try await Self.cosigned(genuine, covering: try await Self.size(of: genuine))
        let witnessed = try await session.run(verify)
        #expect(witnessed.status == 20, "\(witnessed.output)")
        #expect(witnessed.output.contains("forked or rewritten"), "\(witnessed.output)")
        try await forked.stop()
        try await genuine.stop()
        try await witness.stop()
    }

    static let interop = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/verify_cosignature.py")
}
