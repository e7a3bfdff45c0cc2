import Attestation
import Foundation
import GRDB
import Testing
import TestSupport

@Suite("creditgate keys and audit commands")
struct KeysAndAuditCommandTests {
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = CreditGateExecutable.url
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        return (process.waitForExit().status, String(decoding: data, as: UTF8.self))
    }

    @Test func rotationIsAuditedAndTamperingIsNamed() throws {
        let state = TemporaryFiles.url("state").path
        #expect(try run(["keys", "rotate", "--state", state]).status == 0)
        #expect(try run(["keys", "rotate", "--state", state]).status == 0)
        let shown = try run(["keys", "show", "--state", state])
        let jwks = try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any]
        #expect((jwks?["keys"] as? [Any])?.count == 3)
        #expect(!shown.output.contains("\"d\""))
        let intact = try run(["audit", "verify", "--state", state])
        #expect(intact.status == 0)
        #expect(intact.output.contains("3 entries"))

        let queue = try DatabaseQueue(path: state + "/audit.sqlite")
        try queue.write { db in try db.execute(sql: "UPDATE entries SET data = CAST('{}' AS BLOB) WHERE idx = 1") }
        let altered = try run(["audit", "verify", "--state", state])
        #expect(altered.status == 1)
        #expect(altered.output.contains("first bad index 1"))
    }

    /// A state whose SM2 key is active (a gateway ran with `signing.sm2`): `keys rotate` makes both
    /// keys anew and keeps the old ones published, signs its entry's checkpoint with both, and
    /// `audit verify` counts the signatures it checked per algorithm.
    @Test func anSM2KeyRotatesWithTheEd25519KeyAndAuditVerifyChecksBoth() throws {
        let state = TemporaryFiles.url("state").path
        let before = try KeyStore(directory: URL(fileURLWithPath: state + "/keys")).activeKeys(sm2: true)
        let rotated = try run(["keys", "rotate", "--state", state])
        #expect(rotated.status == 0 && rotated.output.hasPrefix("active keys "), "\(rotated.output)")
        let jwks = try JSONDecoder().decode(JWKSet.self, from: Data(try run(["keys", "show", "--state", state]).output.utf8))
        #expect(jwks.keys.map(\.crv) == ["Ed25519", "SM2", "Ed25519", "SM2"] || jwks.keys.map(\.crv) == ["Ed25519", "SM2", "SM2", "Ed25519"])
        #expect(jwks.keys.dropFirst(2).compactMap(\.kid).sorted() == [before.ed25519.keyID, try #require(before.sm2).keyID].sorted())
        #expect(!jwks.keys.prefix(2).contains { [before.ed25519.keyID, before.sm2?.keyID].contains($0.kid) })
        let intact = try run(["audit", "verify", "--state", state])
        // One entry, the rotation's, under a checkpoint signed by both new keys.
        #expect(intact.status == 0 && intact.output.contains("1 entries, 1 signed checkpoints"), "\(intact.output)")
        #expect(intact.output.contains("signatures verified: 1 ed25519, 1 sm2-sm3"), "\(intact.output)")
    }
}
