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
        // A SQLite gateway with an archive, a check and a disposition made with `credit`.
        let prepared = try await TestGateway.prepare()
        let first = try await TestGateway(prepared: prepared)
        let session = try CreditClientEndToEndTests.Session(first)
        let people = try TestGateway.listedPeople()
        let listed = try await session.run(["check", "--name", people.exact.name, "--id", people.exact.id.unmaskedValue, "--json"])
        #expect(listed.status == 11, "\(listed.output)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let answer = try decoder.decode(Components.Schemas.CheckResult.self, from: Data(listed.output.utf8))
        #expect(try await session.run(["dispose", answer.checkId, "--outcome", "confirmed"]).status == 0)
        try await first.stop()

        // The signing key rotated as an operator does it, then more checks and a job under the new key.
        let rotate = Process()
        rotate.executableURL = ServeProcess.executable
        rotate.arguments = ["keys", "rotate", "--state", prepared.2.stateDirectory]
        rotate.standardOutput = FileHandle.nullDevice
        try rotate.run()
        #expect(await rotate.exited().status == 0)
        let before = try await TestGateway(prepared: prepared)
        let afterRotation = try await CreditClientEndToEndTests.Session(before, folder: session.folder)
            .run(["check", "--name", "李四", "--id", "11010519491231002X", "--json"])
        #expect(afterRotation.status == 0, "\(afterRotation.output)")
        let rotated = try decoder.decode(Components.Schemas.CheckResult.self, from: Data(afterRotation.output.utf8))
        let accepted = try await before.raw("bureau", "POST", "/v1/batches?\(BatchJobTests.query)", body: try BatchJobTests.feed(2100),
                                            contentType: "application/x-ndjson")
        let job = try #require(accepted.json["batchId"] as? String)
        _ = try await BatchJobTests.waitUntilFinished(before, job)
        let resultsBefore = try await before.raw("bureau", "GET", "/v1/batches/\(job)/results", contentType: nil).text
        let checkpointBefore = try await before.raw("auditor", "GET", "/v1/audit/checkpoint", contentType: nil).text
        let keys = try await before.keys()
        #expect(keys.keys.count == 2)
        try await before.stop()

        let url = try #require(TestDatabase.freshSchemaURL())
        let copied = try await StateMigration.run(state: prepared.2.stateDirectory, archive: prepared.2.archivePath, to: url)
        #expect(copied["defaulter_events"] ?? 0 > TestGateway.listings)
        #expect(copied["audit_entries"] ?? 0 > 0 && copied["batch_results"] == 2 && copied["batch_checks"] == 2100)
        // Copying twice is refused: the target is no longer empty.
        await #expect(throws: StateMigration.MigrationRefused.self) {
            try await StateMigration.run(state: prepared.2.stateDirectory, archive: prepared.2.archivePath, to: url)
        }

        // The same gateway (its state folder: keys, HMAC key) on the shared database.
        var configuration = prepared.2
        configuration.databaseURL = url
        let after = try await TestGateway(prepared: (prepared.0, prepared.1, configuration))
        #expect(Set(try await after.keys().keys.map(\.thumbprint)) == Set(keys.keys.map(\.thumbprint)), "both keys, the retired one too")
        let status = try await after.raw("auditor", "GET", "/v1/archive/status", contentType: nil).json
        let version = try #require(status["archive"] as? [String: Any])
        #expect(version["sequence"] as? Int == Int(answer.archive.sequence) && version["contentHash"] as? String == answer.archive.contentHash)
        let stored = try await after.withClient("bureau") { try await $0.getCheck(path: .init(checkId: answer.checkId)).ok.body.json }
        #expect(stored.result.audit.leafHash == answer.audit.leafHash && stored.dispositions.count == 1)
        #expect(try await after.raw("bureau", "GET", "/v1/batches/\(job)/results", contentType: nil).text == resultsBefore)
        // A job's answer, stored in its results, is found by its check's id as before.
        let jobCheck = try #require(resultsBefore.split(separator: "\n").last.flatMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["result"] as? [String: Any])?["checkId"] as? String
        })
        #expect(try await after.raw("bureau", "GET", "/v1/checks/\(jobCheck)", contentType: nil).status == 200)
        let verifiers = try keys.keys.map { NoteVerifier(name: ServiceState.defaultOrigin, publicKey: try #require(try $0.verificationKey() as? Ed25519VerificationKey)) }
        let old = try Checkpoint.open(checkpointBefore, verifiers: verifiers, origin: ServiceState.defaultOrigin)
        let proof = try await after.withClient("auditor") { client in
            try await client.getInclusionProof(query: .init(index: Int64(old.size - 1), treeSize: Int64(old.size))).ok.body.json
        }
        #expect(proof.checkpoint == checkpointBefore, "the checkpoint signed before, copied with the log")

        // `credit`, now against the migrated gateway: new answers extend the log the receipts from
        // before the migration saw, and those receipts (signed by both keys) still verify offline.
        let migrated = try CreditClientEndToEndTests.Session(after, folder: session.folder)
        #expect(try await migrated.run(["check", "--name", "王五", "--id", "11010519491231010X"]).status == 0)
        for receipt in [answer.checkId, rotated.checkId] {
            let consistency = try await migrated.run(["audit", "consistency", "--checkpoint", session.receipt("\(receipt).receipt").path])
            #expect(consistency.status == 0 && consistency.output.contains("consistent"), "\(consistency.output)")
        }
        #expect(try await migrated.run(["keys"]).status == 0)
        try await after.stop()
        let receipts = try FileManager.default.contentsOfDirectory(atPath: session.receipts.path).filter { $0.hasSuffix(".receipt") }
        #expect(receipts.count == 4, "three answers and a disposition")
        let verified = try await migrated.run(["verify"] + receipts.map { session.receipt($0).path })
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.components(separatedBy: "✓ audit proofs").count - 1 == 4)
    }
}
