import Foundation

/// A C2SP `tlog-checkpoint`: origin, tree size, root hash, optional extension lines.
///
/// ```
/// creditgate.example/audit
/// 42
/// qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=
/// ```
public struct Checkpoint: Sendable, Hashable {
    public var origin: String
    public var size: Int
    public var rootHash: MerkleTree.Hash
    public var extensions: [String]

    public init(origin: String, size: Int, rootHash: MerkleTree.Hash, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// The note text that is signed.
    public var body: String {
        ([origin, String(size), Base64.standard(rootHash)] + extensions).joined(separator: "\n") + "\n"
    }

    public init(body: String) throws(AttestationError) {
        guard body.hasSuffix("\n") else { throw AttestationError(.checkpointMalformed, "a checkpoint ends with a newline") }
        let lines = body.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3, !lines[0].isEmpty, let size = Int(lines[1]), size >= 0, String(size) == lines[1],
              let root = Base64.decodeStandard(lines[2]), root.count == 32 else {
            throw AttestationError(.checkpointMalformed, "a checkpoint is origin, size and a base64 SHA-256 root, one per line")
        }
        self.init(origin: lines[0], size: size, rootHash: root, extensions: Array(lines.dropFirst(3)))
        guard !extensions.contains(where: \.isEmpty) else { throw AttestationError(.checkpointMalformed, "empty extension line") }
    }

    /// Signs this checkpoint as a note.
    public func signed(by signer: NoteSigner) throws -> String { try signer.sign(body) }

    /// Opens a signed checkpoint, checking the signature and that the origin is the expected one.
    public static func open(_ note: String, verifiers: [NoteVerifier], origin: String) throws(AttestationError) -> Checkpoint {
        try openSigned(note, verifiers: verifiers, origin: origin).checkpoint
    }

    /// The same, with the known keys that signed it (Ed25519, SM2 or both).
    public static func openSigned(
        _ note: String, verifiers: [NoteVerifier], origin: String
    ) throws(AttestationError) -> (checkpoint: Checkpoint, signers: [NoteVerifier]) {
        let (text, signers) = try SignedNote.open(note, verifiers: verifiers)
        let checkpoint = try Checkpoint(body: text)
        guard checkpoint.origin == origin else {
            throw AttestationError(.checkpointMalformed, "the checkpoint is for \(checkpoint.origin), not \(origin)")
        }
        return (checkpoint, signers)
    }
}
