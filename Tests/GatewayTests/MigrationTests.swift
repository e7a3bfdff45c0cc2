import Attestation
import CreditCore
import Foundation
@testable import Gateway
import GatewayAPI
import PostgresStorage
import Testing
import TestSupport

/// One machine's SQLite state moved into the shared database: nothing lost, the log goes on.
@Suite("Migration from SQLite to PostgreSQL", .serialized)
struct MigrationTests {
    @Test(.enabled(if: TestDatabase.url != nil, "needs PostgreSQL (Scripts/with-postgres swift test)"))
    func everythingIsCopiedAndTheLogGoesOnExtendingItsCheckpoints() async throws {
        // A SQLite gateway with an archive, checks, a disposition and a finished job.
        let prepared = try await TestGateway.prepare()
        let before = try await TestGateway(prepared: prepared)
        let people = try TestGateway.listedPeople()
        let answer = try await before.withClient("bureau") { client in
            try await client.createCheck(body: .json(.init(candidate: .init(name: people.exact.name, idNumber: people.exact.id.unmaskedValue),
                                                           purpose: TestGateway.purpose))).ok.body.json
        }
        _ = try await before.withClient("bureau") { client in
            try await client.recordDisposition(path: .init(checkId: answer.checkId), body: .json(.init(outcome: .confirmed, _operator: "hr.li"))).created
        }
        let accepted = try await before.raw("bureau", "POST", "/v1/batches?\(BatchJobTests.query)", body: try BatchJobTests.feed(2100),
                                            contentType: "application/x-ndjson")
        let job = try #require(accepted.json["batchId"] as? String)
        _ = try await BatchJobTests.waitUntilFinished(before, job)
        let resultsBefore = try await before.raw("bureau", "GET", "/v1/batches/\(job)/results", contentType: nil).text
        let checkpointBefore = try await before.raw("auditor", "GET", "/v1/audit/checkpoint", contentType: nil).text
        let keys = try await before.keys()
        try await before.stop()

        let url = try #require(TestDatabase.freshSchemaURL())
        let copied = try await StateMigration.run(state: prepared.2.stateDirectory, archive: prepared.2.archivePath, to: url)
        #expect(copied["defaulter_events"] ?? 0 > TestGateway.listings)
        #expect(copied["audit_entries"] ?? 0 > 0 && copied["batch_results"] == 2)
        // Copying twice is refused: the target is no longer empty.
        await #expect(throws: StateMigration.MigrationRefused.self) {
            try await StateMigration.run(state: prepared.2.stateDirectory, archive: prepared.2.archivePath, to: url)
        }

        // The same gateway (its state folder: keys, HMAC key) on the shared database.
        var configuration = prepared.2
        configuration.databaseURL = url
        let after = try await TestGateway(prepared: (prepared.0, prepared.1, configuration))
        let verifiers = try keys.keys.map { NoteVerifier(name: ServiceState.defaultOrigin, publicKey: try #require(try $0.verificationKey() as? Ed25519VerificationKey)) }
        let old = try Checkpoint.open(checkpointBefore, verifiers: verifiers, origin: ServiceState.defaultOrigin)
        let status = try await after.raw("auditor", "GET", "/v1/archive/status", contentType: nil).json
        let version = try #require(status["archive"] as? [String: Any])
        #expect(version["sequence"] as? Int == Int(answer.archive.sequence) && version["contentHash"] as? String == answer.archive.contentHash)
        let stored = try await after.withClient("bureau") { try await $0.getCheck(path: .init(checkId: answer.checkId)).ok.body.json }
        #expect(stored.result.audit.leafHash == answer.audit.leafHash && stored.dispositions.count == 1)
        #expect(try await after.raw("bureau", "GET", "/v1/batches/\(job)/results", contentType: nil).text == resultsBefore)

        // New answers extend the log that the old checkpoint saw.
        let next = try await after.withClient("bureau") { client in
            try await client.createCheck(body: .json(.init(candidate: .init(name: "张三", idNumber: "11010519491231002X"), purpose: TestGateway.purpose))).ok.body.json
        }
        let latest = try Checkpoint.open(next.audit.checkpoint, verifiers: verifiers, origin: ServiceState.defaultOrigin)
        #expect(latest.size > old.size)
        let proof = try await after.withClient("auditor") { client in
            try await client.getConsistencyProof(query: .init(from: Int64(old.size), to: Int64(latest.size))).ok.body.json
        }
        #expect(MerkleTree.verifyConsistency(oldSize: old.size, newSize: latest.size, oldRoot: old.rootHash, newRoot: latest.rootHash,
                                             proof: proof.proof.compactMap(Base64.decodeStandard)))
        try await after.stop()
    }
}
