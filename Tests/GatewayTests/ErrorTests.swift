import Attestation
import Foundation
import Gateway
import Testing

/// Every error is an RFC 9457 problem with a stable code, a pointer to the bad field where there is
/// one, never the full ID number; and every response, errors included, is signed.
@Suite("Errors and signatures", .serialized)
struct ErrorTests {
    static let fullID = "11010519491231002X"

    @Test func eachErrorHasItsStatusCodeAndPointer() async throws {
        let gateway = try await TestGateway { configuration, _ in configuration.maxBodyBytes = 4096 }
        let purpose = #""purpose":{"code":"civil-service-exam","recruitmentId":"R1","consentReference":"C1"}"#
        // (body, content type, status, code, pointer)
        let cases: [(String, String, Int, String, String?)] = [
            ("{not json", "application/json", 400, "request.malformed", nil),
            (#"{"candidate":{"name":"张三"},\#(purpose)}"#, "application/json", 400, "request.malformed", "/candidate/idNumber"),
            (#"{"candidate":{"name":"张三","idNumber":7},\#(purpose)}"#, "application/json", 400, "request.malformed", "/candidate/idNumber"),
            (#"{"candidate":{"name":"张三","idNumber":"110105194912310021"},\#(purpose)}"#, "application/json", 422, "id.checksum", "/candidate/idNumber"),
            (#"{"candidate":{"name":"张三","idNumber":"110105194913310021"},\#(purpose)}"#, "application/json", 422, "id.birth-date", "/candidate/idNumber"),
            // A valid check character, born 2099-12-31 (domain.md §4: a future birth date makes the number invalid).
            (#"{"candidate":{"name":"张三","idNumber":"110105209912310125"},\#(purpose)}"#, "application/json", 422, "id.birth-date-future", "/candidate/idNumber"),
            (#"{"candidate":{"name":"张三","idNumber":"\#(Self.fullID)"},"purpose":{"code":"civil-service-exam","recruitmentId":"R1","consentReference":"  "}}"#,
             "application/json", 422, "purpose.missing", "/purpose/consentReference"),
            (#"{"candidate":{"name":"张三","idNumber":"\#(Self.fullID)"},\#(purpose),"policy":"no-such-policy"}"#, "application/json", 422, "policy.unknown", "/policy"),
            (#"{"candidate":{"name":"张三","idNumber":"\#(Self.fullID)"},\#(purpose),"asOf":"2099-01-01"}"#, "application/json", 422, "as-of.future", "/asOf"),
            (#"{"candidate":{"name":"张三","idNumber":"\#(Self.fullID)"},\#(purpose)}"#, "text/plain", 415, "request.media-type", nil),
            (#"{"candidate":{"name":"\#(String(repeating: "张", count: 3000))","idNumber":"\#(Self.fullID)"},\#(purpose)}"#, "application/json", 413, "request.too-large", nil),
        ]
        let keys = try await gateway.keys()
        for (body, contentType, status, code, pointer) in cases {
            let response = try await gateway.raw("bureau", "POST", "/v1/checks", body: body, contentType: contentType)
            #expect(response.status == status, "\(code): \(response.text)")
            #expect(response.header("content-type") == "application/problem+json", "\(code)")
            #expect(response.json["code"] as? String == code, "\(response.text)")
            #expect(response.json["pointer"] as? String == pointer, "\(code): \(response.text)")
            #expect(response.json["status"] as? Int == status)
            #expect(!response.text.contains(Self.fullID) && !response.text.contains("110105194912310021") && !response.text.contains("110105209912310125"))
            _ = try response.verifySignature(keys: keys)
        }
        let unknown = try await gateway.raw("bureau", "GET", "/v1/checks/chk_00000000000000000000000000", contentType: nil)
        #expect(unknown.status == 404 && unknown.json["code"] as? String == "not-found")
        // A path the contract declares, asked with a method it does not: 405 and what it does take.
        for (method, path, allow) in [("TRACE", "/v1/keys", "GET"), ("DELETE", "/v1/checks", "POST"), ("PUT", "/v1/checks/chk_00000000000000000000000000", "GET")] {
            let wrong = try await gateway.raw("bureau", method, path, contentType: nil)
            #expect(wrong.status == 405 && wrong.header("allow") == allow && wrong.json["code"] as? String == "request.method", "\(method) \(path)")
        }
        let noRoute = try await gateway.raw("bureau", "GET", "/v2/nothing", contentType: nil)
        #expect(noRoute.status == 404 && noRoute.header("content-type") == "application/problem+json")
        _ = try noRoute.verifySignature(keys: keys)
        try await gateway.stop()
    }

    /// Found by schemathesis: `start + count` past Int64.max brought the gateway down.
    @Test func rangesAtTheEdgeOfInt64AreAnswered() async throws {
        let gateway = try await TestGateway()
        let max = Int64.max
        for path in ["/v1/audit/entries?start=\(max)&count=1000", "/v1/audit/entries?start=\(max - 1)",
                     "/v1/audit/proofs/inclusion?index=\(max - 1)&treeSize=\(max)", "/v1/audit/proofs/consistency?from=\(max - 1)&to=\(max)"] {
            let response = try await gateway.raw("auditor", "GET", path, contentType: nil)
            #expect((200..<500).contains(response.status), "\(path): \(response.status) \(response.text)")
        }
        let entries = try await gateway.raw("auditor", "GET", "/v1/audit/entries?start=\(max)&count=1000", contentType: nil)
        #expect(entries.status == 200 && (entries.json["entries"] as? [Any])?.isEmpty == true)
        try await gateway.stop()
    }

    @Test func aClientOverItsRateIsToldWhenToComeBack() async throws {
        let gateway = try await TestGateway { configuration, _ in
            // One token a minute: the five requests below cannot earn a new one however slow the machine.
            configuration.ratePerSecond = 1.0 / 60
            configuration.rateBurst = 3
        }
        var statuses: [Int] = []
        var retryAfter: String?
        for _ in 0..<5 {
            let response = try await gateway.raw("bureau", "GET", "/healthz", contentType: nil)
            statuses.append(response.status)
            if response.status == 429 {
                retryAfter = response.header("retry-after")
                #expect(response.json["code"] as? String == "rate.limited")
            }
        }
        #expect(statuses.prefix(3).allSatisfy { $0 == 200 })
        #expect(statuses.last == 429)
        #expect(retryAfter.flatMap(Int.init).map { (1...60).contains($0) } == true)
        // Another client has its own bucket.
        #expect(try await gateway.raw("auditor", "GET", "/healthz", contentType: nil).status == 200)
        try await gateway.stop()
    }

    @Test func everyKindOfResponseIsSignedAndTamperingIsDetected() async throws {
        let gateway = try await TestGateway()
        let keys = try await gateway.keys()
        for (method, path, body) in [
            ("POST", "/v1/checks", AccessTests.check), ("GET", "/healthz", nil), ("GET", "/readyz", nil), ("GET", "/metrics", nil),
            ("GET", "/openapi.yaml", nil), ("GET", "/v1/keys", nil), ("GET", "/v1/archive/status", nil), ("GET", "/v1/audit/checkpoint", nil),
        ] as [(String, String, String?)] {
            let response = try await gateway.raw("bureau", method, path, body: body, contentType: body == nil ? nil : "application/json")
            #expect(response.status == 200, "\(path): \(response.text)")
            let verified = try response.verifySignature(keys: keys)
            #expect(verified.parameters.alg == "ed25519")
            #expect(keys.keys.contains { $0.kid == verified.parameters.keyID })
            var tampered = response
            tampered.body[tampered.body.count / 2] ^= 1
            #expect(throws: (any Error).self) { try tampered.verifySignature(keys: keys) }
            var otherStatus = response
            otherStatus.status = 201
            #expect(throws: (any Error).self) { try otherStatus.verifySignature(keys: keys) }
            var otherPath = response
            otherPath.path = "/v1/other"
            #expect(throws: (any Error).self) { try otherPath.verifySignature(keys: keys) }
        }
        let contract = try await gateway.raw("bureau", "GET", "/openapi.yaml", contentType: nil)
        #expect(contract.text.hasPrefix("openapi: 3.1"))
        let metrics = try await gateway.raw("bureau", "GET", "/metrics", contentType: nil).text
        #expect(metrics.contains("creditgate_decisions_total"))
        #expect(metrics.contains("creditgate_audit_writes_total") && metrics.contains("creditgate_audit_entries_total"))
        #expect(!metrics.contains(Self.fullID))
        try await gateway.stop()
    }
}

/// `creditgate keys rotate` runs beside a live server (another process writing the keys folder).
@Suite("Key rotation while serving")
struct LiveRotationTests {
    @Test func theNextResponsesAndCheckpointsAreSignedByTheNewKey() async throws {
        let gateway = try await TestGateway()
        let before = try await gateway.raw("bureau", "POST", "/v1/checks", body: AccessTests.check)
        let oldKeyID = try before.verifySignature(keys: try await gateway.keys()).parameters.keyID
        let newKey = try KeyStore(directory: URL(fileURLWithPath: gateway.configuration.stateDirectory).appendingPathComponent("keys")).rotate().ed25519
        #expect(newKey.keyID != oldKeyID)
        // The keys folder is looked at no more than once a second.
        var after = try await gateway.raw("bureau", "POST", "/v1/checks", body: AccessTests.check)
        let keys = try await gateway.keys()
        for _ in 0..<50 {
            guard try after.verifySignature(keys: keys).parameters.keyID != newKey.keyID else { break }
            try await Task.sleep(for: .milliseconds(200))
            after = try await gateway.raw("bureau", "POST", "/v1/checks", body: AccessTests.check)
        }
        #expect(try after.verifySignature(keys: keys).parameters.keyID == newKey.keyID)
        // The answer signed first by the new key may carry a checkpoint the old key signed: the key can
        // be swapped between its audit write and its signature. The next answer is audited after the swap.
        after = try await gateway.raw("bureau", "POST", "/v1/checks", body: AccessTests.check)
        #expect(try after.verifySignature(keys: keys).parameters.keyID == newKey.keyID)
        // The answer's checkpoint verifies under the new key alone; the old answer's under the old key, still published.
        let checkpoint = try #require(after.json["audit"] as? [String: Any])["checkpoint"] as? String ?? ""
        let origin = ServiceState.defaultOrigin
        _ = try Checkpoint.open(checkpoint, verifiers: [NoteVerifier(name: origin, publicKey: newKey.publicKey)], origin: origin)
        let oldCheckpoint = try #require(before.json["audit"] as? [String: Any])["checkpoint"] as? String ?? ""
        #expect(throws: (any Error).self) {
            try Checkpoint.open(oldCheckpoint, verifiers: [NoteVerifier(name: origin, publicKey: newKey.publicKey)], origin: origin)
        }
        _ = try before.verifySignature(keys: keys)
        try await gateway.stop()
    }
}
