import Attestation
import CreditClient
import Foundation

/// What a verifier reads from the gateway: RFC 9421 `Signature-Input` and `Signature` fields,
/// `Content-Digest`, C2SP signed notes and checkpoints, and the published JWKS.
enum AttestationTargets {
    /// The exchange a signature is checked against: an answer to `POST /v1/checks`.
    static let request = MessageComponents.Request(method: "POST", target: "/v1/checks", authority: "localhost:18443")
    /// A witness with a fixed key (the seed's bytes only matter to the signature).
    static let witness: CosignatureSigner = {
        do { return CosignatureSigner(name: "witness.fuzz/w1", key: try Ed25519SigningKey(seed: Array(repeating: 7, count: 32))) }
        catch { fatalError("a 32-byte seed: \(error)") }
    }()

    static let all = [
        // Line 1 is `Signature-Input`, line 2 `Signature`, the rest the response's header lines.
        FuzzTarget(name: "signature") { bytes in
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count >= 2 else { return }
            let headers = lines.dropFirst(2).compactMap { line -> (name: String, value: String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
            }
            let message = MessageComponents(response: .init(status: 200, headers: headers), request: request)
            _ = try? MessageVerifier(keySet: Fixtures.keys).verifyAll(
                message, signatureInput: String(lines[0]), signature: String(lines[1]), required: MessageSigner.responseComponents)
        },
        // Line 1 is the field, the rest the content.
        FuzzTarget(name: "content-digest") { bytes in
            let end = bytes.firstIndex(of: 0x0A) ?? bytes.count
            let header = String(decoding: bytes[..<end], as: UTF8.self)
            let body = bytes[min(end + 1, bytes.count)...]
            var streamed = ContentDigest.Streaming()
            streamed.update(body)
            let whole = Result { () throws(AttestationError) in try ContentDigest.verify(header: header, body: body) }
            if case .success = Result(catching: { () throws(AttestationError) in try ContentDigest.verify(header: header, streamed: streamed) }) {
                expect(header.contains("sha-512") || (try? whole.get()) != nil, "a digest held streamed but not whole")
            }
            expect((try? ContentDigest.verify(header: streamed.header, body: body)) != nil, "a body fails its own digest")
        },
        FuzzTarget(name: "signed-note") { bytes in
            let note = String(decoding: bytes, as: UTF8.self)
            _ = try? ReceiptVerifier(keys: Fixtures.keys).open(checkpoint: note)
            _ = try? NoteVerifier(verifierKey: note)
            if let checkpoint = try? Checkpoint(body: note) {
                expect((try? Checkpoint(body: checkpoint.body)) == checkpoint, "a checkpoint does not read back")
            }
        },
        // A witness's one input from the network: an add-checkpoint body, decided against the
        // fixture log's keys, with and without a checkpoint cosigned before.
        FuzzTarget(name: "add-checkpoint") { bytes in
            _ = try? WitnessKey(verifierKey: String(decoding: bytes, as: UTF8.self))
            guard let request = try? AddCheckpoint(body: bytes) else { return }
            expect((try? AddCheckpoint(body: Array(request.body.utf8))) == request, "an add-checkpoint body does not read back")
            let logs = [Fixtures.auditOrigin: Fixtures.keys.noteVerifiers(name: Fixtures.auditOrigin)]
            for last in [nil, WitnessRule.Cosigned(size: 3, rootHash: MerkleTree.emptyRoot, note: "")] {
                if case .cosigned(let lines, let now) = WitnessRule.decide(request, logs: logs, last: last, signer: witness, time: 1) {
                    expect(witness.witnessKey.cosignedAt(request.checkpoint + lines) == 1, "a cosignature does not verify")
                    expect(now.size >= (last?.size ?? 0), "a witness cosigned a smaller tree")
                }
            }
        },
        FuzzTarget(name: "jwks") { bytes in
            guard let set = try? JSONDecoder().decode(JWKSet.self, from: Data(bytes)) else { return }
            for jwk in set.keys {
                _ = try? jwk.verificationKey()
                _ = set.key(id: jwk.kid ?? jwk.thumbprint)
            }
        },
    ]
}
