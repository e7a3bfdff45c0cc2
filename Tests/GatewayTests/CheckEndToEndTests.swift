import Attestation
import CreditCore
import Foundation
@testable import Gateway
import GatewayAPI
import Testing

/// Checks through the generated client over mutual TLS, against a real gateway and archive.
@Suite("Checks end to end", .serialized)
struct CheckEndToEndTests {
    @Test func listedStrangerAndMaskedCandidatesGetTheirAnswers() async throws {
        let gateway = try await TestGateway()
        let people = try TestGateway.listedPeople()
        try await gateway.withClient("bureau") { client in
            let listed = try await client.createCheck(body: .json(.init(
                candidate: .init(name: people.exact.name, idNumber: people.exact.id.unmaskedValue), purpose: TestGateway.purpose,
                _operator: "hr.li"))).ok.body.json
            #expect(listed.decision == .ineligible)
            #expect(listed.recommendationOnly == true)
            #expect(listed.candidate.maskedId == people.exact.id.masked)
            let reason = try #require(listed.reasons.first)
            #expect(reason.evidence.source == .defaulter && reason.evidence.matchKind == .exact)
            #expect(reason.evidence.caseNumber != nil && reason.evidence.court != nil && !reason.basis.isEmpty)
            #expect(listed.policy.name == "civil-service-2026")
            #expect(listed.archive.sequence >= 1)

            let stranger = try await client.createCheck(body: .json(.init(
                candidate: .init(name: "张三", idNumber: "11010519491231002X"), purpose: TestGateway.purpose))).ok.body.json
            #expect(stranger.decision == .clear && stranger.reasons.isEmpty)

            let masked = try await client.createCheck(body: .json(.init(
                candidate: .init(name: people.masked.name, idNumber: people.masked.id.unmaskedValue), purpose: TestGateway.purpose))).ok.body.json
            #expect(masked.reasons.contains { $0.evidence.matchKind == .probable })
            // A probable match never blocks on its own.
            #expect(masked.decision != .ineligible || masked.reasons.contains { $0.evidence.matchKind == .exact || $0.evidence.source == .record })
        }
        try await gateway.stop()
    }

    @Test func everyAnswerCarriesAProofOfItsAuditEntry() async throws {
        let gateway = try await TestGateway()
        let keys = try await gateway.keys()
        let verifiers = try keys.keys.map { NoteVerifier(name: ServiceState.defaultOrigin, publicKey: try #require(try $0.verificationKey() as? Ed25519VerificationKey)) }
        let answer = try await gateway.withClient("bureau") { client in
            try await client.createCheck(body: .json(.init(
                candidate: .init(name: "张三", idNumber: "11010519491231002X"), purpose: TestGateway.purpose))).ok.body.json
        }
        let checkpoint = try Checkpoint.open(answer.audit.checkpoint, verifiers: verifiers, origin: ServiceState.defaultOrigin)
        #expect(checkpoint.size == Int(answer.audit.treeSize))
        let leaf = try #require(Base64.decodeStandard(answer.audit.leafHash))
        let proof = try answer.audit.inclusionProof.map { try #require(Base64.decodeStandard($0)) }
        #expect(MerkleTree.verifyInclusion(index: Int(answer.audit.logIndex), size: Int(answer.audit.treeSize), leafHash: leaf, proof: proof, root: checkpoint.rootHash))

        // The auditor reads the entry: it names the check and the candidate's HMAC, never the ID.
        let entries = try await gateway.withClient("auditor") { client in
            try await client.getAuditEntries(query: .init(start: answer.audit.logIndex, count: 1)).ok.body.json
        }
        let entry = try #require(entries.entries.first)
        #expect(entry.leafHash == answer.audit.leafHash)
        #expect(entry.entry.contains(answer.checkId))
        #expect(entry.entry.contains("candidateHMAC"))
        #expect(!entry.entry.contains("11010519491231002X"))
        try await gateway.stop()
    }

    @Test func theAuditEntryHoldsTheDigestsOfTheRequestAsSentAndOfTheAnswer() async throws {
        let gateway = try await TestGateway()
        let body = AccessTests.check
        let response = try await gateway.raw("bureau", "POST", "/v1/checks", body: body, contentType: "application/json")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var answer = try decoder.decode(Components.Schemas.CheckResult.self, from: Data(response.body))
        let entries = try await gateway.withClient("auditor") { client in
            try await client.getAuditEntries(query: .init(start: answer.audit.logIndex, count: 1)).ok.body.json
        }
        let entry = try JSONDecoder().decode(AuditEntry.self, from: Data(try #require(entries.entries.first).entry.utf8))
        #expect(entry.requestDigest == (try gateway.requestDigest(of: Array(body.utf8))))
        // Keyed: a plain hash of a body holding an ID number could be reversed by enumerating IDs.
        #expect(entry.requestDigest != ContentDigest.header(for: Array(body.utf8)))
        // The answer's digest is taken before its receipt exists: over the answer with the receipt empty.
        answer.audit = .pending
        #expect(entry.responseDigest == ContentDigest.header(for: CanonicalJSON.encode(answer)))
        // A refused call is recorded with the digest of what it sent; a call without a body has none.
        let refused = try await gateway.raw("auditor", "POST", "/v1/checks", body: body, contentType: "application/json")
        #expect(refused.status == 403)
        let last = try await gateway.withClient("auditor") { client in
            try await client.getAuditEntries(query: .init(start: 0, count: 1000)).ok.body.json.entries
        }.map { try JSONDecoder().decode(AuditEntry.self, from: Data($0.entry.utf8)) }
        #expect(last.contains { $0.outcome.hasPrefix("refused") && $0.operation == "createCheck" && $0.requestDigest == entry.requestDigest })
        #expect(last.filter { $0.operation == "getAuditEntries" }.allSatisfy { $0.requestDigest == nil })
        try await gateway.stop()
    }

    @Test func aBatchAnswersGoodRowsAndReportsBadOnes() async throws {
        let gateway = try await TestGateway()
        let people = try TestGateway.listedPeople()
        let result = try await gateway.withClient("bureau") { client in
            try await client.createBatchCheck(body: .json(.init(purpose: TestGateway.purpose, candidates: [
                .init(name: "张三", idNumber: "11010519491231002X", reference: "row-1"),
                .init(name: "李四", idNumber: "110105194912310021", reference: "row-2"),  // wrong check character
                .init(name: people.exact.name, idNumber: people.exact.id.unmaskedValue, reference: "row-3"),
                .init(name: "王五", reference: "row-4"),  // no ID
                .init(name: "赵六", idNumber: "11010519491231002x", reference: "row-5"),
            ]))).ok.body.json
        }
        #expect(result.items.map(\.index) == [0, 1, 2, 3, 4])
        #expect(result.items.map(\.reference) == ["row-1", "row-2", "row-3", "row-4", "row-5"])
        #expect(result.items[1].error?.code == "id.checksum" && result.items[1].error?.pointer == "/candidates/1/idNumber")
        #expect(result.items[3].error?.pointer == "/candidates/3/idNumber")
        #expect(result.items[2].result?.decision == .ineligible)
        #expect(result.items[0].result?.decision == .clear && result.items[4].result?.decision == .clear)
        #expect(result.summary.total == 5 && result.summary.errors == 2 && result.summary.ineligible == 1 && result.summary.clear == 2)
        // Each answered row has its own check id and audit receipt.
        let ids = result.items.compactMap { $0.result?.checkId }
        #expect(Set(ids).count == 3)
        try await gateway.stop()
    }

    @Test func aStoredAnswerAndItsDispositionsAreKeptAndOnlyShownToWhoMay() async throws {
        let gateway = try await TestGateway()
        let people = try TestGateway.listedPeople()
        let answer = try await gateway.withClient("bureau") { client in
            try await client.createCheck(body: .json(.init(
                candidate: .init(name: people.exact.name, idNumber: people.exact.id.unmaskedValue), purpose: TestGateway.purpose))).ok.body.json
        }
        let (first, second, stored) = try await gateway.withClient("bureau") { client in
            let first = try await client.recordDisposition(path: .init(checkId: answer.checkId),
                body: .json(.init(outcome: .confirmed, note: "judgment unpaid", _operator: "hr.li"))).created.body.json
            let second = try await client.recordDisposition(path: .init(checkId: answer.checkId),
                body: .json(.init(outcome: .overturned, note: "paid in full on appeal", _operator: "hr.wang"))).created.body.json
            let stored = try await client.getCheck(path: .init(checkId: answer.checkId)).ok.body.json
            return (first, second, stored)
        }
        #expect(first.sequence == 1 && second.sequence == 2)
        #expect(stored.result == answer)
        #expect(stored.dispositions.map(\.outcome) == [.confirmed, .overturned])
        // An auditor may read it; another bureau's view of it is "not found".
        let audited = try await gateway.withClient("auditor") { try await $0.getCheck(path: .init(checkId: answer.checkId)).ok.body.json }
        #expect(audited.result.checkId == answer.checkId)
        let otherBureau = try await gateway.raw("archivist", "GET", "/v1/checks/\(answer.checkId)", contentType: nil)
        #expect(otherBureau.status == 404)
        try await gateway.stop()
    }
}
