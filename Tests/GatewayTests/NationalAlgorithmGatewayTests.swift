import Attestation
import CreditCore
import Foundation
@testable import Gateway
import Logging
import Testing
import TestSupport

/// A live gateway with `signing.sm2` on: every response dual-signed (Ed25519 `sig`, SM2 `sig2`),
/// every checkpoint signed by both keys; and the national algorithms checked by code we did not
/// write (PyPI `gmssl`, the `openssl` command line), while Ed25519-only verifiers still accept.
@Suite("National algorithms on a live gateway (signing.sm2)", .serialized)
struct NationalAlgorithmGatewayTests {
    static func sm2Gateway(on backend: TestGateway.Backend = .sqlite) async throws -> TestGateway {
        try await TestGateway(on: backend) { configuration, _ in configuration.signsWithSM2 = true }
    }

    /// On both backends: with PostgreSQL, the SM2 key is published through the shared key directory.
    @Test(arguments: TestGateway.Backend.allCases)
    func everyResponseVerifiesWithBothAlgorithms(on backend: TestGateway.Backend) async throws {
        let gateway = try await Self.sm2Gateway(on: backend)
        let keys = try await gateway.keys()
        #expect(keys.keys.map(\.kty) == ["OKP", "EC"])
        #expect(keys.keys.map(\.crv) == ["Ed25519", "SM2"])
        #expect(keys.keys.allSatisfy { $0.kid == $0.thumbprint && $0.d == nil })

        let accepted = try await gateway.raw("bureau", "POST", "/v1/batches?\(BatchJobTests.query)", body: try BatchJobTests.feed(300),
                                             contentType: "application/x-ndjson")
        #expect(accepted.status == 202, "\(accepted.text)")
        let job = try #require(accepted.json["batchId"] as? String)
        _ = try await BatchJobTests.waitUntilFinished(gateway, job)
        // (role, method, path, body): answers, a batch, a job's results streamed from a file,
        // proofs, the contract, health, and problems of several kinds.
        let cases: [(String?, String, String, String?)] = [
            ("bureau", "POST", "/v1/checks", AccessTests.check),
            ("bureau", "POST", "/v1/checks/batch", Self.inlineBatch),
            ("bureau", "GET", "/v1/batches/\(job)/results", nil),
            ("auditor", "GET", "/v1/keys", nil),
            ("auditor", "GET", "/v1/audit/checkpoint", nil),
            ("auditor", "GET", "/v1/audit/entries?start=0&count=5", nil),
            ("archivist", "GET", "/v1/archive/status", nil),
            ("bureau", "GET", "/healthz", nil),
            ("bureau", "GET", "/openapi.yaml", nil),
            ("auditor", "POST", "/v1/checks", AccessTests.check),
            ("bureau", "POST", "/v1/checks", #"{"candidate":"#),
            ("bureau", "GET", "/v1/no-such-thing", nil),
        ]
        for (role, method, path, body) in cases {
            let response = try await gateway.raw(role, method, path, body: body, contentType: body == nil ? nil : "application/json")
            let verified = try response.verifySignatures(keys: keys)
            #expect(verified.map(\.algorithm) == [.ed25519, .sm2], "\(method) \(path) \(response.status)")
            #expect(verified.map(\.label) == ["sig", "sig2"])
        }

        // A checkpoint opens with either key alone; both signed it.
        let note = try await gateway.raw("auditor", "GET", "/v1/audit/checkpoint", contentType: nil).text
        let verifiers = try keys.keys.map { NoteVerifier(name: ServiceState.defaultOrigin, publicKey: try $0.verificationKey()) }
        for verifier in verifiers {
            #expect(try Checkpoint.openSigned(note, verifiers: [verifier], origin: ServiceState.defaultOrigin).signers == [verifier])
        }
        try await gateway.stop()

        // `creditgate audit verify`'s check: every stored checkpoint carries both signatures, and both verify.
        let stores = try await Stores.open(gateway.configuration, logger: Logger(label: "test"))
        let state = try await ServiceState.open(gateway.configuration.stateDirectory, audit: stores.audit, directory: stores.keys)
        let report = try await AuditVerifier.verify(store: state.audit.store, origin: ServiceState.defaultOrigin, verifiers: try await state.noteVerifiers())
        #expect(report.isIntact, "\(report)")
        #expect(report.checkpoints > 10)
        #expect(report.signatures == ["ed25519": report.checkpoints, "sm2-sm3": report.checkpoints])
    }

    /// Off by default; on in the documented profile (and by `CREDITGATE_SIGNING_SM2=true`).
    @Test func theSwitchIsOffByDefaultAndOnInTheProfile() async throws {
        #expect(GatewayConfiguration().signsWithSM2 == false)
        let profile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("profiles/national-algorithms.json")
        let configuration = try await GatewayConfiguration.load(file: profile.path)
        #expect(configuration.signsWithSM2)
    }

    @Test(.enabled(if: PythonTools.enabled("gmssl", "http_message_signatures", "tlog_scales"),
                   "needs python3 with gmssl, http-message-signatures and tlog-scales, and openssl"))
    func gmsslAndOpenSSLVerifyWhatTheGatewaySigns() async throws {
        let gateway = try await Self.sm2Gateway()
        let keysResponse = try await gateway.raw("auditor", "GET", "/v1/keys", contentType: nil)
        let keys = try JSONDecoder().decode(JWKSet.self, from: Data(keysResponse.body))
        let answer = try await gateway.raw("bureau", "POST", "/v1/checks", body: AccessTests.check)
        #expect(answer.status == 200)
        let audit = try #require(answer.json["audit"] as? [String: Any])
        let artefacts: [String: Any] = [
            "jwks": try JSONSerialization.jsonObject(with: Data(keysResponse.body)),
            "response": answer.artefact(of: gateway),
            "checkpoint": try #require(audit["checkpoint"] as? String),
            // SM3 digests our code makes, for gmssl and `openssl dgst -sm3` to recompute.
            "sm3": try [answer.body, [], Array("abc".utf8), Array(repeating: 0x61, count: 1000)].map { [Hex.lowercase($0), Hex.lowercase(SM3.hash($0))] },
            "ed25519_vkey": NoteVerifier(name: ServiceState.defaultOrigin, publicKey: try #require(try keys.keys.first?.verificationKey())).verifierKey,
        ]
        let file = gateway.folder.appendingPathComponent("sm2-artefacts.json")
        try JSONSerialization.data(withJSONObject: artefacts).write(to: file)
        let (status, output) = PythonTools.run([Self.script, "verify", file.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("sm2 interop ok"))
        try await gateway.stop()
    }

    @Test(.enabled(if: PythonTools.enabled("gmssl"), "needs python3 with gmssl, and openssl"))
    func whatGmsslAndOpenSSLSignVerifiesWithOurs() throws {
        let file = TemporaryFiles.url("sm2-foreign.json")
        let (status, output) = PythonTools.run([Self.script, "sign", file.path])
        try #require(status == 0, "\(output)")
        struct Signed: Decodable { var tool, point, message, signature, sm3: String }
        let signed = try JSONDecoder().decode([Signed].self, from: Data(contentsOf: file))
        #expect(Set(signed.map(\.tool)) == ["gmssl", "openssl"])
        for item in signed {
            let key = try SM2VerificationKey(point: Self.bytes(item.point))
            let message = Self.bytes(item.message), signature = Self.bytes(item.signature)
            #expect(key.isValidSignature(signature, for: message), "\(item.tool), \(message.count) bytes")
            #expect(Hex.lowercase(SM3.hash(message)) == item.sm3, "\(item.tool)'s SM3 of \(message.count) bytes")
            var flipped = signature
            flipped[40] ^= 0x04
            #expect(!key.isValidSignature(flipped, for: message))
        }
    }

    static let inlineBatch = #"{"candidates":[{"name":"张三","idNumber":"11010519491231002X"},{"name":"李四","idNumber":"110105194912310021"}],"purpose":{"code":"civil-service-exam","recruitmentId":"R1","consentReference":"C1"}}"#

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/sm2_interop.py").path

    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
    }
}
