import Attestation
import CreditCore
import Foundation
@testable import Gateway
import GatewayAPI
import OpenAPIRuntime
import PostgresStorage
import Testing
import TestSupport

/// Gateways on either backend, and several gateways on one PostgreSQL database.
@Suite("Stores on either backend; gateways sharing one database", .serialized)
struct SharedDatabaseTests {
    @Test(arguments: TestGateway.Backend.allCases)
    func checksDispositionsAndJobsWorkOnEitherBackend(_ backend: TestGateway.Backend) async throws {
        let gateway = try await TestGateway(on: backend)
        let people = try TestGateway.listedPeople()
        let answer = try await gateway.withClient("bureau") { client in
            try await client.createCheck(body: .json(.init(
                candidate: .init(name: people.exact.name, idNumber: people.exact.id.unmaskedValue), purpose: TestGateway.purpose))).ok.body.json
        }
        #expect(answer.decision == .ineligible)
        let disposition = try await gateway.withClient("bureau") { client in
            try await client.recordDisposition(path: .init(checkId: answer.checkId), body: .json(.init(outcome: .confirmed, _operator: "hr.li")))
                .created.body.json
        }
        #expect(disposition.sequence == 1)
        // Amendments at once: each audited, numbered one after another, none lost, no audit entry
        // for an amendment that was not stored.
        let amendments = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<49 {
                group.addTask {
                    try await gateway.withClient("bureau") { client in
                        try await client.recordDisposition(path: .init(checkId: answer.checkId), body: .json(.init(
                            outcome: n % 2 == 0 ? .overturned : .confirmed, _operator: "hr.li"))).created.body.json.sequence
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(amendments) == Set(2...50))
        let stored = try await gateway.withClient("bureau") { try await $0.getCheck(path: .init(checkId: answer.checkId)).ok.body.json }
        #expect(stored.result.checkId == answer.checkId && stored.dispositions.map(\.sequence) == Array(1...50))
        let entries = try await gateway.raw("auditor", "GET", "/v1/audit/entries?start=0&count=500", contentType: nil).text
        let audited = entries.matches(of: try Regex("checkId=\(answer.checkId) sequence=[0-9]+")).compactMap { Int($0.output[0].substring?.split(separator: "=").last ?? "") }
        #expect(audited.sorted() == Array(1...50))

        let accepted = try await gateway.raw("bureau", "POST", "/v1/batches?\(BatchJobTests.query)", body: try BatchJobTests.feed(2500),
                                             contentType: "application/x-ndjson")
        let id = try #require(accepted.json["batchId"] as? String)
        let job = try await BatchJobTests.waitUntilFinished(gateway, id)
        #expect(job["status"] as? String == "finished" && job["done"] as? Int == 2500 && job["ineligible"] as? Int == 1)
        let results = try await gateway.raw("bureau", "GET", "/v1/batches/\(id)/results", contentType: nil)
        _ = try results.verifySignature(keys: try await gateway.keys())
        #expect(results.text.split(separator: "\n").count == 2500)
        try await gateway.stop()
    }

    /// Three gateways, each its own process state (keys, port) and the same database: checks spread
    /// over all three land in one log whose checkpoints are all consistent; any gateway serves any
    /// answer and the one key set; a job accepted by one and left by it is finished by another.
    @Test(.enabled(if: TestDatabase.url != nil, "needs the run's PostgreSQL server"))
    func threeGatewaysShareOneArchiveOneLogTheirAnswersAndJobs() async throws {
        let first = try await TestGateway.prepare(on: .postgres) { configuration, _ in configuration.jobLeaseSeconds = 2 }
        var gateways = [try await TestGateway(prepared: first)]
        for _ in 1..<3 { gateways.append(try await TestGateway(prepared: try TestGateway.sibling(of: first))) }

        let ids = (0..<60).map { n in try! ResidentID(region: "110105", birthDate: CalendarDay(dayNumber: 4000 + n), sequence: n) }
        let answers = try await withThrowingTaskGroup(of: Components.Schemas.CheckResult.self) { group in
            for (n, id) in ids.enumerated() {
                group.addTask { [gateways] in
                    try await gateways[n % 3].withClient("bureau") { client in
                        try await client.createCheck(body: .json(.init(candidate: .init(name: "张三", idNumber: id.unmaskedValue),
                                                                       purpose: TestGateway.purpose))).ok.body.json
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(answers.map(\.audit.logIndex)).count == 60, "every answer has its own place in the one log")

        // One key set everywhere, holding every gateway's key.
        let keySets = try await gateways.asyncMap { try await $0.keys() }
        #expect(Set(keySets.map { Set($0.keys.map(\.thumbprint)) }).count == 1)
        #expect(keySets[0].keys.count == 3)
        let verifiers = try keySets[0].keys.map { NoteVerifier(name: ServiceState.defaultOrigin, publicKey: try #require(try $0.verificationKey() as? Ed25519VerificationKey)) }

        // Every answer's checkpoint is consistent with the latest one, which any gateway serves.
        let latestNote = try await gateways[1].raw("auditor", "GET", "/v1/audit/checkpoint", contentType: nil).text
        let latest = try Checkpoint.open(latestNote, verifiers: verifiers, origin: ServiceState.defaultOrigin)
        for answer in answers {
            let checkpoint = try Checkpoint.open(answer.audit.checkpoint, verifiers: verifiers, origin: ServiceState.defaultOrigin)
            let leaf = try #require(Base64.decodeStandard(answer.audit.leafHash))
            let proof = answer.audit.inclusionProof.compactMap(Base64.decodeStandard)
            #expect(MerkleTree.verifyInclusion(index: Int(answer.audit.logIndex), size: checkpoint.size, leafHash: leaf, proof: proof, root: checkpoint.rootHash))
            guard checkpoint.size < latest.size else { continue }
            let consistency = try await gateways[2].withClient("auditor") { client in
                try await client.getConsistencyProof(query: .init(from: Int64(checkpoint.size), to: Int64(latest.size))).ok.body.json
            }
            #expect(MerkleTree.verifyConsistency(oldSize: checkpoint.size, newSize: latest.size, oldRoot: checkpoint.rootHash, newRoot: latest.rootHash,
                                                 proof: consistency.proof.compactMap(Base64.decodeStandard)))
        }

        // An answer given by one gateway is served, and takes dispositions, on another.
        let given = answers[0]
        let disposition = try await gateways[2].withClient("bureau") { client in
            try await client.recordDisposition(path: .init(checkId: given.checkId), body: .json(.init(outcome: .overturned, _operator: "hr.wang")))
                .created.body.json
        }
        #expect(disposition.sequence == 1)
        let stored = try await gateways[1].withClient("bureau") { try await $0.getCheck(path: .init(checkId: given.checkId)).ok.body.json }
        #expect(stored.result.audit.leafHash == given.audit.leafHash && stored.dispositions.count == 1)

        // A job accepted by the first gateway, which stops midway, is finished by another, each line once.
        let accepted = try await gateways[0].raw("bureau", "POST", "/v1/batches?\(BatchJobTests.query)", body: try BatchJobTests.feed(8_000),
                                                 contentType: "application/x-ndjson")
        let job = try #require(accepted.json["batchId"] as? String)
        _ = try await BatchJobTests.waitUntilFinished(gateways[0], job, atLeast: 2000)
        try await gateways[0].stop()
        let finished = try await BatchJobTests.waitUntilFinished(gateways[1], job)
        #expect(finished["status"] as? String == "finished" && finished["done"] as? Int == 8_000, "\(finished)")
        let results = try await gateways[2].raw("bureau", "GET", "/v1/batches/\(job)/results", contentType: nil)
        let indexes = results.text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["index"] as? Int }
        #expect(indexes.count == 8_000 && indexes.elementsEqual(0..<8_000), "each line once, in order")
        _ = try results.verifySignature(keys: try await gateways[2].keys())

        for gateway in gateways.dropFirst() { try await gateway.stop() }
        let engine = try await PostgresEngine.open(url: try #require(first.2.databaseURL), maximumConnections: 2)
        let report = try await AuditVerifier.verify(store: PostgresAuditLogStore(engine), origin: ServiceState.defaultOrigin, verifiers: verifiers)
        #expect(report.isIntact, "\(report)")
        await engine.close()
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var mapped: [T] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}
