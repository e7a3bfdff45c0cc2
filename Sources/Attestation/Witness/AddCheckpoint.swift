import CreditCore
import Foundation

/// The body of a C2SP `tlog-witness` add-checkpoint request: the size the client believes the
/// witness last cosigned, a consistency proof from there, and the new signed checkpoint.
///
/// ```
/// old 20852014
/// PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
///
/// example.com/behind-the-sofa
/// 20852163
/// …
/// ```
public struct AddCheckpoint: Sendable, Hashable {
    public var oldSize: Int
    public var proof: [MerkleTree.Hash]
    /// The signed checkpoint note.
    public var checkpoint: String

    /// The protocol allows at most 63 proof lines.
    public static let maximumProofLines = 63

    public init(oldSize: Int, proof: [MerkleTree.Hash], checkpoint: String) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    public var body: String {
        "old \(oldSize)\n" + proof.map { Base64.standard($0) + "\n" }.joined() + "\n" + checkpoint
    }

    /// Parses a request body strictly: `old N` (decimal, no leading zero), up to 63 base64 hashes,
    /// a blank line, the checkpoint.
    public init(body: [UInt8]) throws(AttestationError) {
        guard let text = String(validating: body, as: UTF8.self) else { throw Self.malformed("the body is not UTF-8") }
        guard let blank = text.range(of: "\n\n") else { throw Self.malformed("no blank line before the checkpoint") }
        var lines = text[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.hasPrefix("old "), let size = Int(first.dropFirst(4)), size >= 0, String(size) == first.dropFirst(4) else {
            throw Self.malformed("the first line is `old <size>`")
        }
        lines.removeFirst()
        guard lines.count <= Self.maximumProofLines else { throw Self.malformed("more than \(Self.maximumProofLines) proof lines") }
        var proof: [MerkleTree.Hash] = []
        for line in lines {
            guard let hash = Base64.decodeStandard(String(line)), hash.count == 32 else { throw Self.malformed("a proof line is not a base64 SHA-256 hash") }
            proof.append(hash)
        }
        self.init(oldSize: size, proof: proof, checkpoint: String(text[blank.upperBound...]))
    }

    private static func malformed(_ reason: String) -> AttestationError { AttestationError(.fieldMalformed, "add-checkpoint: \(reason)") }
}

/// A witness's rule (C2SP `tlog-witness`): cosign a log's checkpoint only if it is signed by a key
/// the witness trusts for that origin and consistent with the last checkpoint the witness cosigned
/// for it. Pure: the witness's store holds the last checkpoint and applies the outcome atomically.
public enum WitnessRule {
    /// What the witness last cosigned for a log.
    public struct Cosigned: Sendable, Hashable {
        public var size: Int
        public var rootHash: MerkleTree.Hash
        /// The checkpoint note as cosigned (the log's signatures and the witness's).
        public var note: String

        public init(size: Int, rootHash: MerkleTree.Hash, note: String) {
            self.size = size
            self.rootHash = rootHash
            self.note = note
        }
    }

    public enum Outcome: Sendable, Hashable {
        /// 200: the cosignature lines, and what the witness now holds.
        case cosigned(lines: String, now: Cosigned)
        /// 404: the witness knows no log of that origin.
        case unknownLog(String)
        /// 403: no trusted signature, or a trusted one that fails.
        case forbidden(String)
        /// 400: the request cannot be read, or its old size is above the checkpoint's.
        case badRequest(String)
        /// 409: the old size is not the witness's; the body is the witness's size.
        case conflict(size: Int)
        /// 422: the proof does not show the checkpoint consistent with what was cosigned.
        case inconsistent(String)
    }

    /// Decides a request. `logs` maps each known origin to the log's keys; `last` is what the
    /// witness last cosigned for the request's origin.
    public static func decide(
        _ request: AddCheckpoint, logs: [String: [NoteVerifier]], last: Cosigned?, signer: CosignatureSigner, time: UInt64
    ) -> Outcome {
        guard let origin = request.checkpoint.split(separator: "\n", maxSplits: 1).first.map(String.init) else {
            return .badRequest("the checkpoint is empty")
        }
        guard let keys = logs[origin] else { return .unknownLog("no log \(origin) is known to this witness") }
        let checkpoint: Checkpoint
        let text: String
        do {
            (text, _) = try SignedNote.open(request.checkpoint, verifiers: keys)
            checkpoint = try Checkpoint(body: text)
        } catch where error.code == .noteUnverified {
            return .forbidden(error.reason)
        } catch {
            return .badRequest(error.reason)
        }
        guard request.oldSize <= checkpoint.size else { return .badRequest("old size \(request.oldSize) is above the checkpoint's \(checkpoint.size)") }
        guard request.oldSize == (last?.size ?? 0) else { return .conflict(size: last?.size ?? 0) }
        if checkpoint.size == 0, checkpoint.rootHash != MerkleTree.emptyRoot { return .inconsistent("an empty tree has the empty root") }
        if let last {
            if last.size == checkpoint.size {
                guard last.rootHash == checkpoint.rootHash else { return .inconsistent("a different root for the size already cosigned") }
            } else if !MerkleTree.verifyConsistency(
                oldSize: last.size, newSize: checkpoint.size, oldRoot: last.rootHash, newRoot: checkpoint.rootHash, proof: request.proof) {
                return .inconsistent("the checkpoint is not consistent with the one cosigned at size \(last.size)")
            }
        } else if !request.proof.isEmpty {
            return .inconsistent("a proof from size 0 is empty")
        }
        guard let line = try? signer.cosign(text, time: time) else { return .badRequest("the checkpoint cannot be cosigned") }
        let note = request.checkpoint + line
        return .cosigned(lines: line, now: Cosigned(size: checkpoint.size, rootHash: checkpoint.rootHash, note: note))
    }
}
