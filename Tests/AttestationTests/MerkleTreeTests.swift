@testable import Attestation
import CreditCore
import Foundation
import Testing

@Suite("RFC 9162 Merkle tree")
struct MerkleTreeTests {
    static let ctLeaves: [[UInt8]] = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map(hex)

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    @Test func classicCTTestVectorRoot() {
        let tree = InMemoryTree(leaves: Self.ctLeaves)
        #expect(tree.root == Self.hex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"))
        #expect(InMemoryTree().root == Self.hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
    }

    /// Property: for random sizes every inclusion proof verifies, and any single-bit change to the
    /// proof, the leaf or the root is rejected.
    @Test func inclusionProofsForRandomSizes() throws {
        var random = SeededRandom(seed: 9162)
        for size in [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 64, 100] + (0..<6).map({ _ in Int.random(in: 101...600, using: &random) }) {
            let tree = InMemoryTree(leaves: (0..<size).map { Array("entry-\($0)".utf8) })
            let root = tree.root
            for index in Set([0, size - 1, size / 2, Int.random(in: 0..<size, using: &random)]) {
                let proof = try tree.inclusionProof(index: index)
                let leaf = tree.leafHashes[index]
                #expect(MerkleTree.verifyInclusion(index: index, size: size, leafHash: leaf, proof: proof, root: root))
                if size > 1 {
                    #expect(!MerkleTree.verifyInclusion(index: (index + 1) % size, size: size, leafHash: leaf, proof: proof, root: root))
                }
                let bit = Int.random(in: 0..<256, using: &random)
                #expect(!MerkleTree.verifyInclusion(index: index, size: size, leafHash: flip(leaf, bit), proof: proof, root: root))
                #expect(!MerkleTree.verifyInclusion(index: index, size: size, leafHash: leaf, proof: proof, root: flip(root, bit)))
                for p in proof.indices {
                    var changed = proof
                    changed[p] = flip(changed[p], Int.random(in: 0..<256, using: &random))
                    #expect(!MerkleTree.verifyInclusion(index: index, size: size, leafHash: leaf, proof: changed, root: root))
                }
            }
        }
    }

    /// Property: every consistency proof between two sizes verifies; a changed bit, or the roots
    /// of a rewritten history, do not.
    @Test func consistencyProofsForRandomSizes() throws {
        var random = SeededRandom(seed: 6962)
        for _ in 0..<60 {
            let newSize = Int.random(in: 1...300, using: &random)
            let oldSize = Int.random(in: 1...newSize, using: &random)
            let tree = InMemoryTree(leaves: (0..<newSize).map { Array("e\($0)".utf8) })
            let proof = try tree.consistencyProof(from: oldSize)
            let oldRoot = tree.root(size: oldSize)
            #expect(MerkleTree.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: tree.root, proof: proof))
            guard oldSize > 0, oldSize < newSize else { continue }
            for p in proof.indices {
                var changed = proof
                changed[p] = flip(changed[p], Int.random(in: 0..<256, using: &random))
                #expect(!MerkleTree.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: tree.root, proof: changed))
            }
            // A log that rewrote an old entry cannot prove consistency with the old checkpoint.
            var rewritten = (0..<newSize).map { Array("e\($0)".utf8) }
            rewritten[Int.random(in: 0..<oldSize, using: &random)] = Array("forged".utf8)
            let forged = InMemoryTree(leaves: rewritten)
            let forgedProof = try forged.consistencyProof(from: oldSize)
            #expect(!MerkleTree.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: forged.root, proof: forgedProof))
        }
    }

    /// Every tree extends the empty one, so a "proof" of it proves nothing and is refused, as the
    /// reference verifier does.
    @Test func aConsistencyProofFromTheEmptyTreeIsRefused() throws {
        let tree = InMemoryTree(leaves: Self.ctLeaves)
        #expect(!MerkleTree.verifyConsistency(oldSize: 0, newSize: tree.size, oldRoot: MerkleTree.emptyRoot, newRoot: tree.root, proof: []))
        #expect(!MerkleTree.verifyConsistency(oldSize: 0, newSize: 0, oldRoot: MerkleTree.emptyRoot, newRoot: MerkleTree.emptyRoot, proof: []))
    }

    @Test func proofRequestsOutsideTheTreeAreRefused() {
        let tree = InMemoryTree(leaves: Self.ctLeaves)
        #expect(throws: AttestationError.self) { try tree.inclusionProof(index: 8) }
        #expect(throws: AttestationError.self) { try tree.consistencyProof(from: 9) }
    }

    func flip(_ hash: [UInt8], _ bit: Int) -> [UInt8] {
        var copy = hash
        copy[bit / 8] ^= 1 << UInt8(bit % 8)
        return copy
    }
}

@Suite("C2SP checkpoints and signed notes")
struct CheckpointTests {
    static let signer = NoteSigner(name: "creditgate.test/audit", key: Ed25519SigningKey())

    @Test func signedCheckpointRoundTrips() throws {
        let tree = InMemoryTree(leaves: MerkleTreeTests.ctLeaves)
        let checkpoint = Checkpoint(origin: "creditgate.test/audit", size: tree.size, rootHash: tree.root)
        #expect(checkpoint.body == "creditgate.test/audit\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")
        let note = try checkpoint.signed(by: Self.signer)
        #expect(note.hasPrefix(checkpoint.body + "\n— creditgate.test/audit "))
        let opened = try Checkpoint.open(note, verifiers: [Self.signer.verifier], origin: "creditgate.test/audit")
        #expect(opened == checkpoint)
        let withExtension = Checkpoint(origin: "o", size: 0, rootHash: MerkleTree.emptyRoot, extensions: ["ext line"])
        #expect(try Checkpoint(body: withExtension.body) == withExtension)
    }

    @Test func verifierKeysRoundTrip() throws {
        let vkey = Self.signer.verifier.verifierKey
        #expect(vkey.hasPrefix("creditgate.test/audit+"))
        let parsed = try NoteVerifier(verifierKey: vkey)
        #expect(parsed == Self.signer.verifier)
        #expect(throws: AttestationError.self) { try NoteVerifier(verifierKey: vkey.replacingOccurrences(of: "+", with: "+0", options: [], range: vkey.range(of: "+"))) }
    }

    @Test func tamperedOrForeignNotesAreRefused() throws {
        let checkpoint = Checkpoint(origin: "creditgate.test/audit", size: 3, rootHash: InMemoryTree(leaves: [[1], [2], [3]]).root)
        let note = try checkpoint.signed(by: Self.signer)
        let tampered = note.replacingOccurrences(of: "\n3\n", with: "\n4\n")
        let error = #expect(throws: AttestationError.self) { try SignedNote.open(tampered, verifiers: [Self.signer.verifier]) }
        #expect(error?.code == .noteUnverified)
        let other = NoteSigner(name: "creditgate.test/audit", key: Ed25519SigningKey())
        #expect(throws: AttestationError.self) { try SignedNote.open(note, verifiers: [other.verifier]) }
        #expect(throws: AttestationError.self) { try Checkpoint.open(note, verifiers: [Self.signer.verifier], origin: "elsewhere") }
        #expect(throws: AttestationError.self) { try SignedNote.open(checkpoint.body, verifiers: [Self.signer.verifier]) }
    }
}

@Suite("Subtree hashes read once per proof")
struct SubtreeHashesTests {
    /// Every inclusion and consistency proof of trees up to 40 leaves, made from only the perfect
    /// subtrees that `perfectSubtrees(covering:)` names for it, equals the proof made from all leaves.
    @Test func proofsFromNamedSubtreesEqualProofsFromLeaves() throws {
        for size in 1...40 {
            let tree = InMemoryTree(leaves: (0..<size).map { Array("entry-\($0)".utf8) })
            func fromNamed(_ make: ((Range<Int>) throws -> MerkleTree.Hash) throws -> [MerkleTree.Hash]) throws -> [MerkleTree.Hash] {
                var hashes = SubtreeHashes()
                for id in Set(try MerkleTree.rangesNamed(by: make).flatMap(MerkleTree.perfectSubtrees(covering:))) {
                    hashes.add(id, MerkleTree.root(of: tree.leafHashes[id.leaves]))
                }
                return try make { try hashes.hash(of: $0) }
            }
            for index in 0..<size {
                #expect(try fromNamed { try MerkleTree.inclusionProof(index: index, size: size, subtree: $0) } == tree.inclusionProof(index: index))
            }
            for old in 1...size {
                #expect(try fromNamed { try MerkleTree.consistencyProof(oldSize: old, newSize: size, subtree: $0) } == tree.consistencyProof(from: old))
            }
        }
    }

    @Test func aMissingSubtreeIsAnErrorNotAGuess() {
        var hashes = SubtreeHashes()
        hashes.add(SubtreeID(level: 1, index: 0), MerkleTree.emptyRoot)
        #expect(throws: AttestationError.self) { try hashes.hash(of: 0..<3) }
    }

    @Test func theFrontierIsTheSizesBinaryDigits() {
        #expect(TreeFrontier.subtreeIDs(size: 13) == [SubtreeID(level: 3, index: 0), SubtreeID(level: 2, index: 2), SubtreeID(level: 0, index: 12)])
        #expect(TreeFrontier.subtreeIDs(size: 0).isEmpty)
    }
}
