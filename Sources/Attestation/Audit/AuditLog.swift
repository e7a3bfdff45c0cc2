import Metrics

/// The audit trail: an append-only RFC 9162 Merkle tree of ``AuditEntry`` leaves, with a signed
/// C2SP checkpoint after every write.
///
/// **Group commit.** Entries that arrive while a write is in progress wait and go into the next
/// one: many entries, one transaction, one durable commit, one checkpoint. An ``append(_:)``
/// returns only once its entry is committed and covered by a signed checkpoint, with the proof of
/// inclusion in that checkpoint. A writer that will append soon says so (``announce()``), and a
/// write about to begin waits for it, up to the log's gather limit (``GroupCommit``).
///
/// Each write counts itself in swift-metrics (`creditgate_audit_writes_total`,
/// `creditgate_audit_entries_total`): entries per commit is the ratio of their rates.
///
/// The rows live in an ``AuditLogStore`` (a SQLite file, or PostgreSQL shared by several gateways);
/// storage keeps every leaf, every complete subtree hash (so a proof costs one read of O(log² n)
/// hashes, not a rehash of the log) and every checkpoint. ``AuditVerifier`` recomputes all of it
/// independently.
///
/// ```swift
/// let log = AuditLog(store: try SQLiteAuditLogStore(path: "state/audit.sqlite"), origin: "creditgate.example/audit", signer: noteSigner)
/// let receipt = try await log.append(AuditEntry(operation: "check", outcome: "200", clientID: "bureau-1"))
/// receipt.inclusionProof  // verifies against receipt.checkpoint
/// ```
public actor AuditLog {
    /// What an appended entry gets back: its place in the log and the proof of it.
    public struct Receipt: Codable, Sendable, Hashable {
        public var logIndex: Int
        /// Base64 of the RFC 9162 leaf hash.
        public var leafHash: String
        /// The signed checkpoint (a C2SP signed note) the proof is against.
        public var checkpoint: String
        public var treeSize: Int
        /// Base64 of each proof hash, leaf to root.
        public var inclusionProof: [String]
    }

    /// An entry made ready to append: its canonical bytes and their leaf hash, worked out by whoever
    /// makes it, beside others, rather than in the log's write, which runs one at a time (a batch
    /// job's chunk of 2,000 spent 3 ms there encoding and hashing).
    public struct Leaf: Sendable {
        public let data: [UInt8]
        public let hash: MerkleTree.Hash

        public init(_ entry: AuditEntry) {
            data = entry.canonicalBytes
            hash = MerkleTree.leafHash(data)
        }
    }

    public nonisolated let store: any AuditLogStore
    public nonisolated let origin: String
    private nonisolated let commit: GroupCommit<Leaf, Receipt>

    public init(store: any AuditLogStore, origin: String, signer: NoteSigner, gatherLimit: Duration = .zero) {
        self.init(store: store, origin: origin, gatherLimit: gatherLimit, currentSigner: { signer })
    }

    /// A log whose checkpoints are signed by whatever `currentSigner` gives at the time of each write
    /// (asked at each one, so a key rotated while the log is open signs the next checkpoint).
    /// A write waits up to `gatherLimit` for the appends announced before it (``announce()``).
    public init(
        store: any AuditLogStore, origin: String, gatherLimit: Duration = .zero, currentSigner: @escaping @Sendable () throws -> NoteSigner
    ) {
        self.store = store
        self.origin = origin
        commit = GroupCommit(gatherLimit: gatherLimit) { leaves in
            try await Self.write(leaves, to: store, origin: origin, signer: try currentSigner())
        }
    }

    /// How many entries the log holds (every writer's).
    public nonisolated func treeSize() async throws -> Int { try await store.size() }

    /// Appends an entry; returns once it is durable and covered by a signed checkpoint.
    public nonisolated func append(_ entry: AuditEntry) async throws -> Receipt {
        try await append(contentsOf: [entry])[0]
    }

    /// Appends many entries (a batch of checks) at once; the receipts come back in order.
    /// `announced`: this append was announced (``announce()``), and ends the announcement.
    public nonisolated func append(contentsOf entries: [AuditEntry], announced: Bool = false) async throws -> [Receipt] {
        try await append(entries.map(Leaf.init), announced: announced)
    }

    /// Appends entries made ready beforehand (``Leaf``); the receipts come back in order.
    public nonisolated func append(_ leaves: [Leaf], announced: Bool = false) async throws -> [Receipt] {
        try await commit.submit(leaves, announced: announced)
    }

    /// Says that an append with `announced: true`, or a ``withdraw()``, will follow: the write about
    /// to begin waits for it, up to the log's gather limit.
    public nonisolated func announce() { commit.announce() }

    /// An announced append that will not come.
    public nonisolated func withdraw() async { await commit.withdraw() }

    /// How many entries each write carried (most recent last, bounded): the group-commit figure.
    public var recentBatchSizes: [Int] {
        get async { await commit.recentBatchSizes }
    }

    /// How many announced appends the write about to begin still waits for; nil when none is waiting.
    package var awaitedSubmissions: Int? {
        get async { await commit.awaitedSubmissions }
    }

    /// One commit: the leaves, the completed subtree hashes, the signed checkpoint, integrated into
    /// the tree as stored (another gateway, or `creditgate keys rotate`, may have appended since).
    /// The proofs are made afterwards, outside the store's write lock, from the hashes in hand.
    private static func write(_ leaves: [Leaf], to store: any AuditLogStore, origin: String, signer: NoteSigner) async throws -> [Receipt] {
        let (batch, known): (AuditBatch, SubtreeHashes) = try await store.append { before in
            var frontier = before
            var hashes = SubtreeHashes()
            hashes.add(before)
            var entries: [AuditBatch.Entry] = []
            var nodes: [TreeFrontier.Node] = []
            entries.reserveCapacity(leaves.count)
            for leaf in leaves {
                let index = frontier.size
                entries.append(AuditBatch.Entry(index: index, data: leaf.data, leafHash: leaf.hash))
                hashes.add(SubtreeID(level: 0, index: index), leaf.hash)
                for node in frontier.append(leaf.hash) {
                    nodes.append(node)
                    hashes.add(node.id, node.hash)
                }
            }
            let note = try Checkpoint(origin: origin, size: frontier.size, rootHash: frontier.root).signed(by: signer)
            let batch = AuditBatch(entries: entries, nodes: nodes, checkpoint: StoredCheckpoint(size: frontier.size, note: note), frontier: frontier)
            return (batch, (batch, hashes))
        }
        var hashes = known
        let size = batch.checkpoint.size
        // Neighbouring leaves share most of their proofs: each subtree's Base64 is made once for the
        // whole write, and the receipts share the text (20 hashes a receipt, each encoded anew, were
        // 3% of a batch job).
        var encoded: [Range<Int>: String] = [:]
        let receipts = try batch.entries.map { entry in
            let proof = try MerkleTree.inclusionProof(index: entry.index, size: size) { range in
                if let text = encoded[range] { return text }
                let text = Base64.standard(try hashes.hash(of: range))
                encoded[range] = text
                return text
            }
            return Receipt(
                logIndex: entry.index, leafHash: Base64.standard(entry.leafHash), checkpoint: batch.checkpoint.note, treeSize: size,
                inclusionProof: proof)
        }
        // Entries per commit is their ratio. Made per write: a counter made before the process's
        // metrics backend is bootstrapped would report nowhere.
        Counter(label: "creditgate_audit_writes_total").increment()
        Counter(label: "creditgate_audit_entries_total").increment(by: leaves.count)
        return receipts
    }

    // MARK: Reads (auditors, clients)

    /// The latest signed checkpoint, or `nil` for an empty log.
    public nonisolated func latestCheckpoint() async throws -> String? {
        try await store.latestCheckpoint()?.note
    }

    /// The signed checkpoint for exactly `size` entries, if one was issued.
    public nonisolated func checkpoint(size: Int) async throws -> String? {
        try await store.checkpoint(size: size)?.note
    }

    public nonisolated func inclusionProof(index: Int, treeSize: Int) async throws -> [MerkleTree.Hash] {
        try await proof(size: treeSize) { try MerkleTree.inclusionProof(index: index, size: treeSize, subtree: $0) }
    }

    public nonisolated func consistencyProof(from oldSize: Int, to newSize: Int) async throws -> [MerkleTree.Hash] {
        try await proof(size: newSize) { try MerkleTree.consistencyProof(oldSize: oldSize, newSize: newSize, subtree: $0) }
    }

    /// A proof within the first `size` entries, from one read of the subtree hashes it needs.
    private nonisolated func proof(
        size: Int, _ make: ((Range<Int>) throws -> MerkleTree.Hash) throws -> [MerkleTree.Hash]
    ) async throws -> [MerkleTree.Hash] {
        let stored = try await store.size()
        guard size <= stored else { throw AttestationError(.proofInvalid, "the log has \(stored) entries, not \(size)") }
        var hashes = try await store.hashes(covering: MerkleTree.rangesNamed(by: make))
        return try make { try hashes.hash(of: $0) }
    }

    /// Entries `[start, start + count)`, as stored (the canonical JSON leaf bytes). A range that
    /// runs past the largest index there can be is cut there: stores add `start + count`.
    public nonisolated func entries(from start: Int, count: Int) async throws -> [(index: Int, data: [UInt8])] {
        guard start >= 0, count > 0 else { return [] }
        return try await store.entries(from: start, count: min(count, Int.max - start)).map { ($0.index, $0.data) }
    }
}
