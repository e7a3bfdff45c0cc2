@testable import Attestation
import Foundation
import Testing

/// Whether python3 with the three verifier packages is installed (CI installs them; see .ci/run).
let interopAvailable: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import http_message_signatures, joserfc, tlog_scales"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

@Suite("Interoperability with independent verifiers")
struct InteropTests {
    @Test(.enabled(if: interopAvailable || ProcessInfo.processInfo.environment["CI"] != nil, "needs python3 with http-message-signatures, joserfc, tlog-scales"))
    func thirdPartyLibrariesVerifyOurArtefacts() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("interop-\(UUID().uuidString)")
        let keys = try KeyStore(directory: folder.appendingPathComponent("keys"))
        let key = try keys.activeKey()
        let origin = "creditgate.test/audit"
        let signer = NoteSigner(name: origin, key: key)

        // A signed response, as the gateway will send it.
        let body = Array(#"{"checkId":"c-1","decision":"CLEAR"}"#.utf8)
        let request = MessageComponents.Request(method: "POST", target: "/v1/checks", authority: "localhost:8443")
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("Content-Digest", ContentDigest.header(for: body))]
        let fields = try MessageSigner(key: key, tag: "creditgate").sign(
            MessageComponents(response: .init(status: 200, headers: headers), request: request),
            covering: MessageSigner.responseComponents, created: Int64(Date().timeIntervalSince1970))
        headers += [("Signature-Input", fields.signatureInput), ("Signature", fields.signature)]

        // An audit log with two checkpoints.
        let log = try AuditLog(path: folder.appendingPathComponent("audit.sqlite").path, origin: origin, signer: signer)
        var receipts: [AuditLog.Receipt] = []
        for n in 0..<13 { receipts.append(try await log.append(AuditEntry(operation: "check", outcome: "200", detail: String(n)))) }
        let old = receipts[4]
        let new = receipts[12]
        let consistency = try await log.consistencyProof(from: old.treeSize, to: new.treeSize)

        let artefacts: [String: Any] = [
            "jwks": try JSONSerialization.jsonObject(with: JSONEncoder().encode(try keys.publicKeys())),
            "response": [
                "status": 200, "headers": headers.map { [$0.name, $0.value] }, "body": Base64.standard(body),
                "request": ["method": "POST", "url": "https://localhost:8443/v1/checks", "headers": [[String]]()],
            ],
            "vkey": signer.verifier.verifierKey,
            "checkpoint_old": old.checkpoint,
            "checkpoint_new": new.checkpoint,
            "inclusion": ["index": receipts[7].logIndex, "size": new.treeSize, "leaf_hash": receipts[7].leafHash,
                          "proof": try await log.inclusionProof(index: 7, treeSize: new.treeSize).map { Base64.standard($0) }],
            "consistency": ["old": old.treeSize, "new": new.treeSize, "proof": consistency.map { Base64.standard($0) }],
        ]
        let file = folder.appendingPathComponent("artefacts.json")
        try JSONSerialization.data(withJSONObject: artefacts).write(to: file)

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/verify_attestation.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("interop ok"))
    }
}
