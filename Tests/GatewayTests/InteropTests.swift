import Attestation
import Foundation
import Gateway
import Testing

/// Live answers of a real gateway, verified by independent implementations: `joserfc` (the JWKS and
/// RFC 7638 thumbprints), `http-message-signatures` (RFC 9421 over an RFC 9530 digest), and
/// `tlog-scales` (C2SP signed checkpoints, RFC 9162 inclusion and consistency proofs).
@Suite("Interoperability with independent verifiers")
struct InteropTests {
    @Test(.enabled(if: PythonTools.enabled("http_message_signatures", "joserfc", "tlog_scales"),
                   "needs python3 with http-message-signatures, joserfc, tlog-scales"))
    func thirdPartyLibrariesVerifyLiveAnswers() async throws {
        let gateway = try await TestGateway()
        let keysResponse = try await gateway.raw("auditor", "GET", "/v1/keys", contentType: nil)
        let keys = try JSONDecoder().decode(JWKSet.self, from: Data(keysResponse.body))
        let verifierKey = try #require(try keys.keys.first?.verificationKey() as? Ed25519VerificationKey)

        let answer = try await gateway.raw("bureau", "POST", "/v1/checks", body: AccessTests.check)
        #expect(answer.status == 200)
        let audit = try #require(answer.json["audit"] as? [String: Any])
        let index = try #require(audit["logIndex"] as? Int), oldSize = try #require(audit["treeSize"] as? Int)
        for _ in 0..<5 { _ = try await gateway.raw("bureau", "GET", "/healthz", contentType: nil) }
        let newCheckpoint = try await gateway.raw("auditor", "GET", "/v1/audit/checkpoint", contentType: nil).text
        let newSize = try Checkpoint.open(newCheckpoint, verifiers: [NoteVerifier(name: ServiceState.defaultOrigin, publicKey: verifierKey)],
                                          origin: ServiceState.defaultOrigin).size
        let inclusion = try await gateway.raw("auditor", "GET", "/v1/audit/proofs/inclusion?index=\(index)&treeSize=\(newSize)", contentType: nil).json
        let consistency = try await gateway.raw("auditor", "GET", "/v1/audit/proofs/consistency?from=\(oldSize)&to=\(newSize)", contentType: nil).json

        let artefacts: [String: Any] = [
            "jwks": try JSONSerialization.jsonObject(with: Data(keysResponse.body)),
            "response": answer.artefact(of: gateway),
            "vkey": NoteVerifier(name: ServiceState.defaultOrigin, publicKey: verifierKey).verifierKey,
            "checkpoint_old": try #require(audit["checkpoint"] as? String),
            "checkpoint_new": newCheckpoint,
            "inclusion": ["index": index, "size": newSize, "leaf_hash": try #require(audit["leafHash"] as? String),
                          "proof": try #require(inclusion["proof"] as? [String])],
            "consistency": ["old": oldSize, "new": newSize, "proof": try #require(consistency["proof"] as? [String])],
        ]
        let file = gateway.folder.appendingPathComponent("artefacts.json")
        try JSONSerialization.data(withJSONObject: artefacts).write(to: file)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/verify_attestation.py")
        let (status, output) = PythonTools.run([script.path, file.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("interop ok"))
        try await gateway.stop()
    }
}
