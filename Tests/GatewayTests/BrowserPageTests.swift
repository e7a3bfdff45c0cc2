import Crypto
import CreditClient
import Foundation
import Gateway
import TestSupport
import SwiftASN1
import Testing
import X509

/// The verification page in a real browser: headless Chromium (Debian's `chromium` and
/// `chromium-driver`, driven by selenium: `Tests/Browser/page_check.py`) loads it from a live
/// gateway's public listener and checks receipts in the page, as a person would.
///
/// A screenshot of each outcome is kept in `artifacts/page/` (CI keeps that folder).
@Suite("The verification page in Chromium")
struct BrowserPageTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Browser/page_check.py")
    static let screenshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("artifacts/page")

    static var hasBrowser: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
    }

    @Test(.enabled(if: PythonTools.enabled("selenium") && (hasBrowser || ProcessInfo.processInfo.environment["CI"] != nil),
                   "needs chromium, chromium-driver and python3 with selenium"))
    func verifiesAGenuineReceiptAndRefusesAlteredOnes() async throws {
        // A gateway whose checkpoints a witness cosigns: the page requires one cosignature.
        let (gateway, witness, _) = try await WitnessEndToEndTests.witnessedGateway()
        let folder = TemporaryFiles.url("creditgate-page")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        let genuine = try await receipt(of: gateway, name: "张三", id: "11010519491231002X")
        // Later answers move the log on: the genuine receipt is then checked for consistency with a
        // larger checkpoint, and their checkpoints are "another checkpoint" for the last receipt.
        let later = try await receipt(of: gateway, name: "李四", id: "110105199003071239")
        let laterNote = try #require(Self.audit(of: later)["checkpoint"] as? String)

        var body = genuine
        body.body = Array(String(decoding: genuine.body, as: UTF8.self).replacingOccurrences(of: #""decision":"CLEAR""#, with: #""decision":"INELIGIBLE""#).utf8)
        #expect(body.body != genuine.body)

        var signature = genuine
        let signed = try #require(genuine.header("signature"))
        // One character of the Ed25519 signature changed (the first after `sig=:`).
        let start = try #require(signed.range(of: "sig=:")).upperBound
        let flipped = signed.replacingCharacters(in: start...start, with: signed[start] == "A" ? "B" : "A")
        signature.headers = genuine.headers.map { $0.name.lowercased() == "signature" ? ($0.name, flipped) : $0 }

        // The genuine answer's proof, beside another (genuine, signed) checkpoint of the same log.
        var otherCheckpoint = genuine
        let note = try #require(Self.audit(of: genuine)["checkpoint"] as? String)
        #expect(note != laterNote)
        otherCheckpoint.body = Array(String(decoding: genuine.body, as: UTF8.self)
            .replacingOccurrences(of: try Self.jsonString(note), with: try Self.jsonString(laterNote)).utf8)
        #expect(otherCheckpoint.body != genuine.body)

        var files: [String] = []
        for (name, receipt) in [("genuine", genuine), ("changed-body", body), ("changed-signature", signature), ("other-checkpoint", otherCheckpoint)] {
            let file = folder.appendingPathComponent("\(name).receipt")
            try receipt.write(to: file)
            files.append("\(name)=\(file.path)")
        }
        files.append("paste:pasted=\(folder.appendingPathComponent("genuine.receipt").path)")
        _ = try await WitnessEndToEndTests.cosigned(gateway, covering: try await WitnessEndToEndTests.size(of: gateway))
        let (status, output) = PythonTools.run(
            [Self.script.path, gateway.publicURL.absoluteString, try gateway.pki.serverSPKIHash(), Self.screenshots.path, "--witnesses=1"] + files)
        try #require(status == 0, "\(output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
        let receipts = try #require(report["receipts"] as? [String: [String: Any]])
        func steps(_ name: String) -> [String: (status: String, code: String, text: String)] {
            var found: [String: (status: String, code: String, text: String)] = [:]
            for step in receipts[name]?["steps"] as? [[String: String]] ?? [] {
                found[step["step"] ?? ""] = (step["status"] ?? "", step["code"] ?? "", step["text"] ?? "")
            }
            return found
        }

        // Genuine: every step green, the answer shown (masked).
        #expect(receipts["genuine"]?["outcome"] as? String == "pass", "\(receipts["genuine"] ?? [:])")
        let genuineSteps = steps("genuine")
        for step in ["digest", "signature", "proofs", "consistency", "witnesses"] { #expect(genuineSteps[step]?.status == "pass", "\(step)") }
        #expect(genuineSteps["consistency"]?.text.contains("not rewritten") == true)
        #expect(genuineSteps["witnesses"]?.text.contains("witness.test/w1") == true)
        let answer = receipts["genuine"]?["answer"] as? [String: String]
        #expect(answer?["candidate"] == "110105********002X")
        #expect(answer?["decision"]?.contains("CLEAR") == true)
        #expect(answer?["policy"]?.hasPrefix("civil-service-2026") == true)

        // A changed body: the digest fails, the signature (over the digest header) still holds.
        #expect(receipts["changed-body"]?["outcome"] as? String == "fail")
        #expect(steps("changed-body")["digest"]?.code == "digest.mismatch")
        #expect(steps("changed-body")["digest"]?.text.contains("The body was changed") == true)
        #expect(steps("changed-body")["signature"]?.status == "pass")

        // A changed signature: the digest holds, the signature fails.
        #expect(receipts["changed-signature"]?["outcome"] as? String == "fail")
        #expect(steps("changed-signature")["digest"]?.status == "pass")
        #expect(steps("changed-signature")["signature"]?.code == "signature.invalid")
        #expect(steps("changed-signature")["signature"]?.text.contains("does not verify") == true)

        // A proof beside another checkpoint: the proof step says so.
        #expect(receipts["other-checkpoint"]?["outcome"] as? String == "fail")
        #expect(steps("other-checkpoint")["proofs"]?.code == "proofs.other-checkpoint")
        #expect(steps("other-checkpoint")["proofs"]?.text.contains("belongs to another checkpoint") == true)

        // Pasted rather than dropped: the same verdict.
        #expect(receipts["pasted"]?["outcome"] as? String == "pass", "\(receipts["pasted"] ?? [:])")

        for name in ["page", "genuine", "changed-body", "changed-signature", "other-checkpoint", "pasted"] {
            #expect(FileManager.default.fileExists(atPath: Self.screenshots.appendingPathComponent("\(name).png").path))
        }
        try await gateway.stop()
        try await witness.stop()
    }

    /// A check over mutual TLS, kept as `credit` keeps it.
    private func receipt(of gateway: TestGateway, name: String, id: String) async throws -> Receipt {
        let response = try await gateway.raw("bureau", "POST", "/v1/checks", body: """
            {"candidate":{"name":"\(name)","idNumber":"\(id)"},"purpose":{"code":"civil-service-exam","recruitmentId":"GK2026-0001","consentReference":"C-1"}}
            """)
        #expect(response.status == 200, "\(response.text)")
        return Receipt(method: "POST", url: gateway.url.absoluteString + "/v1/checks", status: response.status,
                       headers: response.headers.map { (name: $0.0, value: $0.1) }, body: response.body)
    }

    private static func audit(of receipt: Receipt) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(receipt.body))) as? [String: Any])?["audit"] as? [String: Any] ?? [:]
    }

    /// A string as the gateway's JSON writes it (slashes unescaped), quotes included.
    private static func jsonString(_ text: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes]), as: UTF8.self).dropFirst().dropLast().description
    }
}

extension DevelopmentPKI {
    /// The base64 SHA-256 of the server certificate's public key: Chromium's
    /// `--ignore-certificate-errors-spki-list` pin, so the browser trusts exactly this certificate.
    func serverSPKIHash() throws -> String {
        let certificate = try Certificate(pemEncoded: try String(contentsOf: server.certificate, encoding: .utf8))
        var der = DER.Serializer()
        try der.serialize(certificate.publicKey)
        return Data(SHA256.hash(data: der.serializedBytes)).base64EncodedString()
    }
}
