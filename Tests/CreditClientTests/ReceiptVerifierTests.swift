import Attestation
@testable import CreditClient
import Foundation
import Testing
import TestSupport

/// Receipts made here the way the gateway makes them (a real key, a real tree, a signed
/// checkpoint), then verified offline, intact and altered.
@Suite("Receipts verified offline")
struct ReceiptVerifierTests {
    static let key = Ed25519SigningKey()
    static let origin = "creditgate.test/audit"

    /// A signed check answer whose audit entry is leaf `index` of a tree of `size`.
    static func receipt(index: Int = 3, size: Int = 7, key: Ed25519SigningKey = key) throws -> (Receipt, InMemoryTree) {
        let tree = InMemoryTree(leaves: (0..<size).map { Array("entry \($0)".utf8) })
        let note = try Checkpoint(origin: origin, size: size, rootHash: tree.root).signed(by: NoteSigner(name: origin, key: key))
        let proof = try tree.inclusionProof(index: index).map { "\"\(Base64.standard($0))\"" }.joined(separator: ",")
        let noteJSON = String(decoding: try JSONEncoder().encode(note), as: UTF8.self)
        let body = Array("""
            {"audit":{"checkpoint":\(noteJSON),"inclusionProof":[\(proof)],"leafHash":"\(Base64.standard(tree.leafHashes[index]))","logIndex":\(index),"treeSize":\(size)},"checkId":"chk_test","decision":"CLEAR"}
            """.utf8)
        var headers: [(name: String, value: String)] = [("content-type", "application/json"), ("content-digest", ContentDigest.header(for: body))]
        let message = MessageComponents(response: .init(status: 200, headers: headers),
                                        request: .init(method: "POST", target: "/v1/checks", authority: "localhost:8443"))
        let signed = try MessageSigner(key: key, tag: "creditgate").sign(message, covering: MessageSigner.responseComponents, created: 1_764_000_000)
        headers += [("signature-input", signed.signatureInput), ("signature", signed.signature)]
        return (Receipt(method: "POST", url: "https://localhost:8443/v1/checks", status: 200, headers: headers, body: body), tree)
    }

    static var verifier: ReceiptVerifier { ReceiptVerifier(keys: JWKSet(keys: [key.publicKey.jwk])) }

    func failedSteps(_ receipt: Receipt, verifier: ReceiptVerifier = verifier) -> [ReceiptVerifier.Step] {
        verifier.verify(receipt).outcomes.filter { !$0.passed }.map(\.step)
    }

    @Test func aGenuineReceiptVerifiesAndSurvivesItsFile() throws {
        let (receipt, _) = try Self.receipt()
        let report = Self.verifier.verify(receipt)
        #expect(report.passed)
        #expect(report.outcomes.map(\.step) == [.digest, .signature, .proofs])
        #expect(report.checkpoint?.size == 7)
        let reread = try Receipt(bytes: receipt.bytes)
        #expect(reread.body == receipt.body && reread.status == 200 && reread.url == receipt.url)
        #expect(Self.verifier.verify(reread).passed)
    }

    @Test func aTamperedBodyFailsItsDigest() throws {
        var (receipt, _) = try Self.receipt()
        let at = try #require(receipt.body.firstIndex(of: UInt8(ascii: "C")))
        receipt.body[at] = UInt8(ascii: "D")
        #expect(failedSteps(receipt).contains(.digest))
    }

    @Test func aTamperedHeaderOrStatusOrRequestFailsTheSignature() throws {
        let (genuine, _) = try Self.receipt()
        var header = genuine
        header.headers[0].value = "text/plain"
        #expect(failedSteps(header) == [.signature])
        var status = genuine
        status.status = 201
        #expect(failedSteps(status) == [.signature])
        var request = genuine
        request.url = "https://localhost:8443/v1/checks/batch"
        #expect(failedSteps(request) == [.signature])
    }

    @Test func anotherKeyDoesNotVerify() throws {
        let (receipt, _) = try Self.receipt()
        let stranger = ReceiptVerifier(keys: JWKSet(keys: [Ed25519SigningKey().publicKey.jwk]))
        #expect(failedSteps(receipt, verifier: stranger) == [.signature, .proofs])
    }

    @Test func aProofForAnotherCheckpointIsRejected() throws {
        // The same leaf, with a genuine checkpoint of another tree: the proof does not lead to its root.
        let (receipt, _) = try Self.receipt(index: 3, size: 7)
        let (other, _) = try Self.receipt(index: 3, size: 8)
        func checkpoint(_ r: Receipt) throws -> String {
            let text = String(decoding: r.body, as: UTF8.self)
            let start = try #require(text.range(of: "\"checkpoint\":"))
            let end = try #require(text.range(of: ",\"inclusionProof\""))
            return String(text[start.upperBound..<end.lowerBound])
        }
        let swapped = String(decoding: receipt.body, as: UTF8.self).replacingOccurrences(of: try checkpoint(receipt), with: try checkpoint(other))
            .replacingOccurrences(of: "\"treeSize\":7", with: "\"treeSize\":8")
        var tampered = receipt
        tampered.body = Array(swapped.utf8)
        let report = Self.verifier.verify(tampered)
        #expect(report.outcome(.proofs)?.passed == false)
        #expect(report.outcome(.proofs)?.detail.contains("not proven") == true)
    }

    @Test func notAReceiptIsAClearError() {
        #expect(throws: ReceiptError.self) { try Receipt(bytes: Array("HTTP/1.1 200 OK\n\n{}".utf8)) }
    }
}

@Suite("Receipt files read in blocks")
struct ReceiptFileTests {
    @Test func aFileVerifiesAsItsBytesDoAndAlteredFilesFail() throws {
        let (receipt, _) = try ReceiptVerifierTests.receipt()
        let file = TemporaryFiles.url("receipt", extension: "receipt")
        try receipt.write(to: file)
        let report = try ReceiptVerifierTests.verifier.verify(file: file)
        #expect(report.passed && report.outcomes.count == 3)
        var bytes = receipt.bytes
        bytes[bytes.count - 3] ^= 0x01
        try Data(bytes).write(to: file)
        #expect(try ReceiptVerifierTests.verifier.verify(file: file).outcome(.digest)?.passed == false)
    }

    @Test func linesCutBetweenBlocksAreWhole() {
        var splitter = LineSplitter()
        var lines: [String] = []
        let text = Array("one\ntwo\n\nthree is longer\nfour".utf8)
        for cut in stride(from: 0, to: text.count, by: 3) {
            splitter.feed(text[cut..<min(cut + 3, text.count)]) { lines.append(String(decoding: $0, as: UTF8.self)) }
        }
        splitter.finish { lines.append(String(decoding: $0, as: UTF8.self)) }
        #expect(lines == ["one", "two", "", "three is longer", "four"])
    }
}
