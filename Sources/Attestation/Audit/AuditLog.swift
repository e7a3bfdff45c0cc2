import Foundation
import GRDB
import Metrics

/// The audit trail: an append-only RFC 9162 Merkle tree of ``AuditEntry`` leaves, with a signed
/// C2SP checkpoint after every write.
///
/// **Group commit.** Entries that arrive while a write is in progress wait and go into the next
/// one: many entries, one transaction, one fsync (`synchronous = FULL`), one checkpoint. An
/// ``append(_:)`` returns only once its entry is on disk and covered by a signed checkpoint, with
/// the proof of inclusion in that checkpoint.
///
/// Each write counts itself in swift-metrics (`creditgate_audit_writes_total`,
/// `creditgate_audit_entries_total`): entries per fsync is the ratio of their rates.
///
/// Storage keeps every leaf, every complete subtree hash (so proofs cost O(log² n) lookups, not a
/// rehash of the log) and every checkpoint. ``AuditVerifier`` recomputes all of it independently.
///
/// ```swift
/// let log = try AuditLog(path: "state/audit.sqlite", origin: "creditgate.example/audit", signer: noteSigner)
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

    let database: DatabaseQueue
    public let origin: String
    /// Asked at each write, so a key rotated while the log is open signs the next checkpoint.
    let signer: @Sendable () throws -> NoteSigner
    private var frontier: TreeFrontier
    private var commit: GroupCommit<[UInt8], Receipt>?

    public init(path: String, origin: String, signer: NoteSigner) throws {
        try self.init(path: path, origin: origin, currentSigner: { signer })
    }

    /// A log whose checkpoints are signed by whatever `currentSigner` gives at the time of each write.
    public init(path: String, origin: String, currentSigner: @escaping @Sendable () throws -> NoteSigner) throws {
        var configuration = Configuration()
        configuration.label = "audit"
        database = try DatabaseQueue(path: path, configuration: configuration)
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try AuditSchema.migrator.migrate(database)
        self.origin = origin
        self.signer = currentSigner
        frontier = try database.read { db in
            try AuditStore(db).frontier(size: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entries") ?? 0)
        }
    }

    public var treeSize: Int { frontier.size }

    /// Appends an entry; returns once it is durable and covered by a signed checkpoint.
    public func append(_ entry: AuditEntry) async throws -> Receipt {
        try await append(contentsOf: [entry])[0]
    }

    /// Appends many entries (a batch of checks) at once; the receipts come back in order.
    public func append(contentsOf entries: [AuditEntry]) async throws -> [Receipt] {
        try await groupCommit.submit(entries.map(\.canonicalBytes))
    }

    /// How many entries each write carried (most recent last, bounded): the group-commit figure.
    public var recentBatchSizes: [Int] {
        get async { await commit?.recentBatchSizes ?? [] }
    }

    private var groupCommit: GroupCommit<[UInt8], Receipt> {
        if let commit { return commit }
        let created = GroupCommit<[UInt8], Receipt> { [unowned self] leaves in try await self.write(leaves) }
        commit = created
        return created
    }

    /// One transaction: the leaves, the completed subtree hashes, the signed checkpoint; then the
    /// proofs. Memory state changes only after the commit.
    private func write(_ leaves: [[UInt8]]) async throws -> [Receipt] {
        let before = frontier
        let origin = self.origin
        let signer = try self.signer()
        // Awaited, the transaction runs on GRDB's writer queue: its fsync does not hold one of the
        // few threads that serve every request.
        let (receipts, newFrontier) = try await database.write { db -> ([Receipt], TreeFrontier) in
            let store = AuditStore(db)
            var newFrontier = before
            var firstIndex = before.size
            // Another process (`creditgate keys rotate` beside a running server) may have appended
            // since: continue from the log as stored, inside this write transaction.
            let stored = try Int.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM entries")) ?? 0
            if stored != newFrontier.size {
                newFrontier = try store.frontier(size: stored)
                firstIndex = stored
            }
            store.remember(newFrontier)
            var leafHashes: [MerkleTree.Hash] = []
            for bytes in leaves {
                let leafHash = MerkleTree.leafHash(bytes)
                leafHashes.append(leafHash)
                try store.insertEntry(index: newFrontier.size, data: bytes, leafHash: leafHash)
                for node in newFrontier.append(leafHash) {
                    try store.insertNode(level: node.level, index: node.index, hash: node.hash)
                }
            }
            let newSize = newFrontier.size
            let root = newFrontier.root
            let note = try Checkpoint(origin: origin, size: newSize, rootHash: root).signed(by: signer)
            try store.insertCheckpoint(size: newSize, note: note)
            var receipts: [Receipt] = []
            for (offset, leafHash) in leafHashes.enumerated() {
                let index = firstIndex + offset
                let proof = try MerkleTree.inclusionProof(index: index, size: newSize) { try store.subtreeHash($0) }
                receipts.append(Receipt(
                    logIndex: index, leafHash: Base64.standard(leafHash), checkpoint: note, treeSize: newSize,
                    inclusionProof: proof.map { Base64.standard($0) }))
            }
            return (receipts, newFrontier)
        }
        // Committed: only now does the in-memory tree move on.
        frontier = newFrontier
        // Entries per fsync is their ratio. Made per write: a counter made before the process's
        // metrics backend is bootstrapped would report nowhere.
        Counter(label: "creditgate_audit_writes_total").increment()
        Counter(label: "creditgate_audit_entries_total").increment(by: leaves.count)
        return receipts
    }

    // MARK: Reads (auditors, clients)

    /// The latest signed checkpoint, or `nil` for an empty log.
    public func latestCheckpoint() throws -> String? {
        try database.read { db in try String.fetchOne(db, sql: "SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1") }
    }

    /// The signed checkpoint for exactly `size` entries, if one was issued.
    public func checkpoint(size: Int) throws -> String? {
        try database.read { db in try String.fetchOne(db, sql: "SELECT note FROM checkpoints WHERE size = ?", arguments: [size]) }
    }

    public func inclusionProof(index: Int, treeSize: Int) throws -> [MerkleTree.Hash] {
        guard treeSize <= frontier.size else { throw AttestationError(.proofInvalid, "the log has \(frontier.size) entries, not \(treeSize)") }
        return try database.read { db in
            let store = AuditStore(db)
            return try MerkleTree.inclusionProof(index: index, size: treeSize) { try store.subtreeHash($0) }
        }
    }

    public func consistencyProof(from oldSize: Int, to newSize: Int) throws -> [MerkleTree.Hash] {
        guard newSize <= frontier.size else { throw AttestationError(.proofInvalid, "the log has \(frontier.size) entries, not \(newSize)") }
        return try database.read { db in
            let store = AuditStore(db)
            return try MerkleTree.consistencyProof(oldSize: oldSize, newSize: newSize) { try store.subtreeHash($0) }
        }
    }

    /// Entries `[start, start + count)`, as stored (the canonical JSON leaf bytes).
    public func entries(from start: Int, count: Int) throws -> [(index: Int, data: [UInt8])] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT idx, data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx", arguments: [start, start + count])
                .map { ($0[0], Array(($0[1] as Data))) }
        }
    }
}
