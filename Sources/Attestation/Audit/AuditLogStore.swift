/// Where an audit log keeps its leaves, its subtree hashes and its signed checkpoints.
///
/// The Merkle work (leaf and node hashes, the checkpoint's root and signature, proofs) is the
/// ``AuditLog``'s and the ``AuditVerifier``'s, in this module; a store only sequences and keeps
/// rows, so every backend holds the same log and one verifier checks them all.
///
/// Tables a store keeps, whatever the engine:
/// - every entry: its index, its bytes (canonical JSON) and its leaf hash;
/// - every complete subtree of 2^level leaves (level ≥ 1), by level and index;
/// - every signed checkpoint, by size;
/// - the witnesses' cosignatures of checkpoints, by size.
///
/// **Appends cannot fork the log.** ``append(_:)`` holds the log's one write lock (a SQLite write
/// transaction; a PostgreSQL row locked `FOR UPDATE`) from reading the stored tree to committing
/// the batch, so writers in other processes or on other machines continue the same tree, and a
/// checkpoint is signed only over a tree that commits as signed.
public protocol AuditLogStore: Sendable {
    /// Under the log's write lock: gives `integrate` the tree as stored, then commits the batch it
    /// returns (entries, completed subtrees, the signed checkpoint) durably, all or nothing.
    /// A store may first try the tree it last wrote without the lock, so `integrate` can be called
    /// twice; only a batch integrated onto the tree as stored is ever committed.
    func append<Result: Sendable>(
        _ integrate: @escaping @Sendable (TreeFrontier) throws -> (AuditBatch, Result)
    ) async throws -> Result

    /// How many entries are stored.
    func size() async throws -> Int

    /// The checkpoint of the largest size, or `nil` for an empty log.
    func latestCheckpoint() async throws -> StoredCheckpoint?

    /// The checkpoint signed for exactly `size` entries, if one was.
    func checkpoint(size: Int) async throws -> StoredCheckpoint?

    /// Checkpoints of size ≥ `size`, smallest first, at most `limit`.
    func checkpoints(from size: Int, limit: Int) async throws -> [StoredCheckpoint]

    /// The stored hashes of these subtrees (level 0: leaf hashes); absent ones are left out.
    func subtreeHashes(_ ids: [SubtreeID]) async throws -> [SubtreeID: MerkleTree.Hash]

    /// Entries with index in `[start, start + count)`, by index, as stored.
    func entries(from start: Int, count: Int) async throws -> [AuditBatch.Entry]

    /// Keeps witnesses' cosignature lines (C2SP tlog-cosignature) for the checkpoint of `size`,
    /// each once, however many gateways report it.
    func addCosignatures(_ lines: [String], size: Int) async throws

    /// The largest checkpoint that witnesses cosigned, its cosignature lines appended to its note:
    /// what the log publishes as witnessed. `nil` until a witness has cosigned one.
    func latestCosigned() async throws -> StoredCheckpoint?
}

/// What one append adds to the log.
public struct AuditBatch: Sendable {
    public struct Entry: Sendable, Hashable {
        public var index: Int
        /// The canonical JSON of the ``AuditEntry``.
        public var data: [UInt8]
        public var leafHash: MerkleTree.Hash

        public init(index: Int, data: [UInt8], leafHash: MerkleTree.Hash) {
            self.index = index
            self.data = data
            self.leafHash = leafHash
        }
    }

    public var entries: [Entry]
    /// The subtrees (level ≥ 1) the entries completed.
    public var nodes: [TreeFrontier.Node]
    public var checkpoint: StoredCheckpoint
    /// The tree after the batch: a store may keep it to skip reading the frontier next time.
    public var frontier: TreeFrontier
}

/// A signed checkpoint (a C2SP signed note) and the tree size it is for.
public struct StoredCheckpoint: Sendable, Hashable {
    public var size: Int
    public var note: String

    public init(size: Int, note: String) {
        self.size = size
        self.note = note
    }
}

extension AuditLogStore {
    /// The frontier of the stored tree of `size` entries.
    public func frontier(size: Int) async throws -> TreeFrontier {
        try TreeFrontier(size: size, hashes: try await subtreeHashes(TreeFrontier.subtreeIDs(size: size)))
    }

    /// Hashes of every perfect subtree that `ranges` are made of, read in one call.
    func hashes(covering ranges: [Range<Int>]) async throws -> SubtreeHashes {
        let ids = Set(ranges.flatMap(MerkleTree.perfectSubtrees(covering:)))
        var hashes = SubtreeHashes()
        for (id, hash) in try await subtreeHashes(Array(ids)) { hashes.add(id, hash) }
        return hashes
    }
}
