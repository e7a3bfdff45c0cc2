import Attestation
import Foundation
import Testing

/// C2SP tlog-cosignature and the witness's rule (tlog-witness), without a network: a witness
/// cosigns a growing log, refuses a fork, and answers each wrong request as the spec says.
@Suite("Witness cosignatures")
struct WitnessTests {
    static let origin = "creditgate.test/audit"
    let logKey = Ed25519SigningKey()
    let witness = CosignatureSigner(name: "witness.test/w1", key: Ed25519SigningKey())

    /// A log of `size` leaves, each leaf the bytes of its index prefixed by `salt`.
    struct Log {
        var leaves: [MerkleTree.Hash]
        init(size: Int, salt: String = "") { leaves = (0..<size).map { MerkleTree.leafHash(Array("\(salt)\($0)".utf8)) } }
        var root: MerkleTree.Hash { MerkleTree.root(of: leaves[...]) }
        func proof(from old: Int) throws -> [MerkleTree.Hash] {
            try MerkleTree.consistencyProof(oldSize: old, newSize: leaves.count) { MerkleTree.root(of: leaves[$0]) }
        }
    }

    func note(_ log: Log, signer key: Ed25519SigningKey? = nil) throws -> String {
        try Checkpoint(origin: Self.origin, size: log.leaves.count, rootHash: log.root).signed(by: NoteSigner(name: Self.origin, key: key ?? logKey))
    }

    var logs: [String: [NoteVerifier]] { [Self.origin: [NoteSigner(name: Self.origin, key: logKey).verifier]] }

    func decide(_ request: AddCheckpoint, last: WitnessRule.Cosigned?) -> WitnessRule.Outcome {
        WitnessRule.decide(request, logs: logs, last: last, signer: witness, time: 1_796_000_000)
    }

    @Test func aCosignatureVerifiesAndNothingElseDoes() throws {
        let text = Checkpoint(origin: Self.origin, size: 3, rootHash: Log(size: 3).root).body
        let line = try witness.cosign(text, time: 1_796_000_000)
        let note = try note(Log(size: 3)) + line
        #expect(witness.witnessKey.cosignedAt(note) == 1_796_000_000)
        let parsed = try WitnessKey(verifierKey: witness.witnessKey.verifierKey)
        #expect(parsed == witness.witnessKey)
        #expect(parsed.verifierKey.hasPrefix("witness.test/w1+"))
        // Another witness's key, or the same line under another checkpoint, does not verify.
        let other = CosignatureSigner(name: "witness.test/w1", key: Ed25519SigningKey())
        #expect(other.witnessKey.cosignedAt(note) == nil)
        #expect(witness.witnessKey.cosignedAt(try self.note(Log(size: 4)) + line) == nil)
        // One flipped bit anywhere in the signature line's payload.
        let payload = try #require(Base64.decodeStandard(String(line.dropFirst(2 + witness.name.utf8.count + 1).dropLast())))
        for index in [0, 5, 20, 75] {
            var flipped = payload
            flipped[index] ^= 1
            #expect(witness.witnessKey.cosignedAt(try self.note(Log(size: 3)) + "— \(witness.name) \(Base64.standard(flipped))\n") == nil)
        }
        #expect(throws: AttestationError.self) { try WitnessKey(verifierKey: "witness.test/w1+00000000+" + Base64.standard([0x04] + witness.key.publicKey.rawRepresentation)) }
    }

    @Test func aRequestBodyRoundTrips() throws {
        let request = AddCheckpoint(oldSize: 3, proof: try Log(size: 9).proof(from: 3), checkpoint: try note(Log(size: 9)))
        #expect(try AddCheckpoint(body: Array(request.body.utf8)) == request)
        for malformed in ["old 03\n\nx", "old -1\n\nx", "new 3\n\nx", "old 3\nnot-base64\n\nx", "old 3\n", "old 3\n" + String(repeating: "\(Base64.standard(Array(repeating: 0, count: 32)))\n", count: 64) + "\nx"] {
            #expect(throws: AttestationError.self, "\(malformed.prefix(20))") { try AddCheckpoint(body: Array(malformed.utf8)) }
        }
    }

    @Test func cosignsAGrowingLogAndRefusesAFork() throws {
        var last: WitnessRule.Cosigned?
        for size in [1, 2, 5, 8, 13, 13, 40] {
            let log = Log(size: size)
            let old = last?.size ?? 0
            let outcome = decide(AddCheckpoint(oldSize: old, proof: old == 0 ? [] : try log.proof(from: old), checkpoint: try note(log)), last: last)
            guard case .cosigned(let lines, let now) = outcome else { Issue.record("size \(size): \(outcome)"); return }
            #expect(now.size == size)
            #expect(witness.witnessKey.cosignedAt(try note(log) + lines) != nil)
            #expect(witness.witnessKey.cosignedAt(now.note) != nil)
            last = now
        }
        // A fork: the same origin and key, a different history from leaf 10 on.
        var forked = Log(size: 50)
        for index in 10..<50 { forked.leaves[index] = MerkleTree.leafHash(Array("fork \(index)".utf8)) }
        let proof = try forked.proof(from: 40)
        guard case .inconsistent = decide(AddCheckpoint(oldSize: 40, proof: proof, checkpoint: try note(forked)), last: last) else {
            Issue.record("a forked log was cosigned")
            return
        }
        // The same size with another root.
        guard case .inconsistent = decide(AddCheckpoint(oldSize: 40, proof: [], checkpoint: try note(Log(size: 40, salt: "x"))), last: last) else {
            Issue.record("a second root for one size was cosigned")
            return
        }
    }

    @Test func answersEachWrongRequestAsTheSpecSays() throws {
        let log = Log(size: 8)
        let last = WitnessRule.Cosigned(size: 5, rootHash: Log(size: 5).root, note: try note(Log(size: 5)))
        // 409 with the witness's size, when the old size is not the witness's.
        #expect(decide(AddCheckpoint(oldSize: 3, proof: try log.proof(from: 3), checkpoint: try note(log)), last: last) == .conflict(size: 5))
        #expect(decide(AddCheckpoint(oldSize: 5, proof: [], checkpoint: try note(log)), last: nil) == .conflict(size: 0))
        // 400 when the old size is above the checkpoint's.
        guard case .badRequest = decide(AddCheckpoint(oldSize: 9, proof: [], checkpoint: try note(log)), last: last) else { Issue.record("old > size"); return }
        // 404 for an unknown log.
        let stranger = try Checkpoint(origin: "other.test/log", size: 1, rootHash: Log(size: 1).root).signed(by: NoteSigner(name: "other.test/log", key: logKey))
        guard case .unknownLog = decide(AddCheckpoint(oldSize: 0, proof: [], checkpoint: stranger), last: nil) else { Issue.record("unknown log"); return }
        // 403 when no trusted key signed it, or a trusted key's signature fails.
        guard case .forbidden = decide(AddCheckpoint(oldSize: 5, proof: try log.proof(from: 5), checkpoint: try note(log, signer: Ed25519SigningKey())), last: last) else {
            Issue.record("untrusted key"); return
        }
        let genuine = try note(log)
        let tampered = genuine.replacingOccurrences(of: "\n8\n", with: "\n9\n")
        guard case .forbidden = decide(AddCheckpoint(oldSize: 5, proof: try log.proof(from: 5), checkpoint: tampered), last: last) else {
            Issue.record("bad signature"); return
        }
        // 422 for a proof from size 0 that is not empty, and for an empty tree with another root.
        guard case .inconsistent = decide(AddCheckpoint(oldSize: 0, proof: [Log(size: 1).root], checkpoint: genuine), last: nil) else { Issue.record("proof from 0"); return }
        let empty = try Checkpoint(origin: Self.origin, size: 0, rootHash: Log(size: 1).root).signed(by: NoteSigner(name: Self.origin, key: logKey))
        guard case .inconsistent = decide(AddCheckpoint(oldSize: 0, proof: [], checkpoint: empty), last: nil) else { Issue.record("empty root"); return }
    }
}
