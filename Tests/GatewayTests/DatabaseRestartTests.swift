import Attestation
import CreditCore
import Foundation
@testable import Gateway
import GatewayAPI
import PostgresStorage
import Testing
import TestSupport

/// The shared database restarted under load: while it is away the gateway answers `503` (requests
/// and `/readyz`), it reconnects by itself, and every answer it gave is in the log and the store.
extension UnderLoad {
@Suite("PostgreSQL restarted under load")
struct DatabaseRestartTests {
    @Test(.enabled(if: TestDatabase.url != nil, "needs PostgreSQL (Scripts/with-postgres swift test)"))
    func whileTheDatabaseIsAwayRequestsAre503AndNoAcknowledgedAnswerIsLost() async throws {
        let server = try PrivatePostgres()
        let gateway = try await TestGateway(prepared: try await TestGateway.prepare(on: .postgres, database: server.url + "&schema=restart"))
        let seen = SeenAnswers()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        // Two clients checking back to back until told to stop.
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<2 {
                    group.addTask {
                        var n = 0
                        while !Task.isCancelled {
                            n += 1
                            let id = try ResidentID(region: "110105", birthDate: CalendarDay(dayNumber: 3000 + n), sequence: worker * 400 + n % 400)
                            let body = #"{"candidate":{"name":"张三","idNumber":"\#(id.unmaskedValue)"},"purpose":{"code":"civil-service-exam","recruitmentId":"GK2026-0001","consentReference":"C-1"}}"#
                            guard let response = try? await gateway.raw("bureau", "POST", "/v1/checks", body: body, timeout: .seconds(120)) else { continue }
                            let answer = response.status == 200 ? try? decoder.decode(Components.Schemas.CheckResult.self, from: Data(response.body)) : nil
                            seen.record(response.status, answer)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await waitFor(seconds: 300, "for answers before the stop") { seen.answerCount >= 20 }

        try server.stop()
        // A store call waits up to the engine's lease timeout (30 s) before it counts the database
        // as away.
        let ready = try await gateway.raw("auditor", "GET", "/readyz", contentType: nil, timeout: .seconds(120))
        #expect(ready.status == 503)
        let refused = try await gateway.raw("bureau", "POST", "/v1/checks", body: AccessTests.check, timeout: .seconds(120))
        #expect(refused.status == 503)
        #expect(refused.json["code"] as? String == "service.unavailable")
        #expect(refused.header("retry-after") != nil)
        let beforeRestart = seen.answerCount

        try server.start()
        try await waitFor(seconds: 300, "for answers after the restart") { seen.answerCount >= beforeRestart + 20 }
        #expect(try await gateway.raw("auditor", "GET", "/readyz", contentType: nil).status == 200)
        load.cancel()
        _ = try? await load.value

        let (answers, statuses) = seen.state.withLock { ($0.answers, $0.statuses) }
        #expect(statuses[500] == nil, "statuses: \(statuses)")
        #expect(statuses[503, default: 0] > 0, "the load met the database away: \(statuses)")
        // Every answer a client received is stored, and is in the log where its receipt says.
        let engine = try await PostgresEngine.open(url: server.url + "&schema=restart", maximumConnections: 2)
        let log = PostgresAuditLogStore(engine)
        for answer in answers.values {
            let stored = try await gateway.withClient("bureau") { try await $0.getCheck(path: .init(checkId: answer.checkId)).ok.body.json }
            #expect(stored.result.audit.leafHash == answer.audit.leafHash)
            let entry = try #require(try await log.entries(from: Int(answer.audit.logIndex), count: 1).first)
            #expect(Base64.standard(entry.leafHash) == answer.audit.leafHash)
        }
        let verifiers = try await gateway.keys().keys.map {
            NoteVerifier(name: ServiceState.defaultOrigin, publicKey: try #require(try $0.verificationKey() as? Ed25519VerificationKey))
        }
        let report = try await AuditVerifier.verify(store: log, origin: ServiceState.defaultOrigin, verifiers: verifiers)
        #expect(report.isIntact, "\(report)")
        try await gateway.stop()
        await engine.close()
    }
}
}
