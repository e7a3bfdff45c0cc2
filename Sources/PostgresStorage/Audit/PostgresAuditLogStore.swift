import Attestation
import NIOCore
import PostgresNIO
import Synchronization

/// The audit log in PostgreSQL, one log for every gateway that shares the database.
///
/// An append is one transaction: lock the sequencing row (`audit_head … FOR UPDATE`), read the
/// size, integrate the batch into the tree as stored, then write the entries, the completed
/// subtrees, the signed checkpoint and the new size in one statement, and commit. A checkpoint is
/// therefore signed only over a tree that every later one extends: two gateways cannot fork the
/// log, and a gateway that crashes mid-append leaves nothing half-written.
///
/// Four round trips per append (begin, lock, write, commit), whatever the number of entries the
/// ``AuditLog``'s group commit gathered.
public final class PostgresAuditLogStore: AuditLogStore {
    let engine: PostgresEngine
    /// The tree after this process's last append: reused when no other gateway appended since.
    private let lastFrontier = Mutex<TreeFrontier?>(nil)

    public init(_ engine: PostgresEngine) {
        self.engine = engine
    }

    public func append<Result: Sendable>(
        _ integrate: @escaping @Sendable (TreeFrontier) throws -> (AuditBatch, Result)
    ) async throws -> Result {
        let (after, result) = try await engine.transaction { [self] connection in
            var size = 0
            for try await stored in try await connection.query("SELECT size FROM audit_head WHERE id = 1 FOR UPDATE", logger: engine.logger)
                .decode(Int64.self) { size = Int(stored) }
            let cached = lastFrontier.withLock { $0 }
            let before = if let cached, cached.size == size { cached } else {
                try TreeFrontier(size: size, hashes: try await Self.subtreeHashes(TreeFrontier.subtreeIDs(size: size), on: connection, engine.logger))
            }
            let (batch, result) = try integrate(before)
            let entryIndexes = batch.entries.map { Int64($0.index) }
            let entryData = batch.entries.map { ByteBuffer(bytes: $0.data) }
            let leafHashes = batch.entries.map { ByteBuffer(bytes: $0.leafHash) }
            let nodeLevels = batch.nodes.map { Int32($0.id.level) }
            let nodeIndexes = batch.nodes.map { Int64($0.id.index) }
            let nodeHashes = batch.nodes.map { ByteBuffer(bytes: $0.hash) }
            let newSize = Int64(batch.checkpoint.size)
            try await connection.query("""
                WITH entries AS (
                    INSERT INTO audit_entries (idx, data, leaf_hash)
                    SELECT * FROM unnest(\(entryIndexes)::bigint[], \(entryData)::bytea[], \(leafHashes)::bytea[])),
                nodes AS (
                    INSERT INTO audit_nodes (level, idx, hash)
                    SELECT * FROM unnest(\(nodeLevels)::integer[], \(nodeIndexes)::bigint[], \(nodeHashes)::bytea[])),
                checkpoint AS (
                    INSERT INTO audit_checkpoints (size, note) VALUES (\(newSize), \(batch.checkpoint.note)))
                UPDATE audit_head SET size = \(newSize) WHERE id = 1
                """, logger: engine.logger)
            return (batch.frontier, result)
        }
        // Only once committed: a frontier kept from a failed commit could match the size of a tree
        // another gateway wrote meanwhile, and the next checkpoint would fork the log.
        lastFrontier.withLock { $0 = after }
        return result
    }

    public func size() async throws -> Int {
        var size = 0
        for stored in try await engine.query("SELECT size FROM audit_head WHERE id = 1").decode(Int64.self) { size = Int(stored) }
        return size
    }

    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        try await checkpoints("SELECT size, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1").first
    }

    public func checkpoint(size: Int) async throws -> StoredCheckpoint? {
        try await checkpoints("SELECT size, note FROM audit_checkpoints WHERE size = \(Int64(size))").first
    }

    public func checkpoints(from size: Int, limit: Int) async throws -> [StoredCheckpoint] {
        try await checkpoints("SELECT size, note FROM audit_checkpoints WHERE size >= \(Int64(size)) ORDER BY size LIMIT \(Int64(limit))")
    }

    private func checkpoints(_ query: PostgresQuery) async throws -> [StoredCheckpoint] {
        var found: [StoredCheckpoint] = []
        for (size, note) in try await engine.query(query).decode((Int64, String).self) {
            found.append(StoredCheckpoint(size: Int(size), note: note))
        }
        return found
    }

    public func subtreeHashes(_ ids: [SubtreeID]) async throws -> [SubtreeID: MerkleTree.Hash] {
        try await engine.connection { [engine] in try await Self.subtreeHashes(ids, on: $0, engine.logger) }
    }

    /// One query for any set of subtrees: leaves from the entries, the rest from the nodes.
    private static func subtreeHashes(_ ids: [SubtreeID], on connection: PostgresConnection, _ logger: Logger) async throws -> [SubtreeID: MerkleTree.Hash] {
        guard !ids.isEmpty else { return [:] }
        let leaves = ids.filter { $0.level == 0 }.map { Int64($0.index) }
        let nodes = ids.filter { $0.level > 0 }
        let levels = nodes.map { Int32($0.level) }
        let indexes = nodes.map { Int64($0.index) }
        var hashes: [SubtreeID: MerkleTree.Hash] = [:]
        let rows = try await connection.query("""
            SELECT 0, idx, leaf_hash FROM audit_entries WHERE idx = ANY(\(leaves)::bigint[])
            UNION ALL
            SELECT n.level, n.idx, n.hash FROM audit_nodes n
                JOIN unnest(\(levels)::integer[], \(indexes)::bigint[]) AS wanted (level, idx) ON n.level = wanted.level AND n.idx = wanted.idx
            """, logger: logger)
        for try await (level, index, hash) in rows.decode((Int32, Int64, ByteBuffer).self) {
            hashes[SubtreeID(level: Int(level), index: Int(index))] = Array(hash.readableBytesView)
        }
        return hashes
    }

    public func entries(from start: Int, count: Int) async throws -> [AuditBatch.Entry] {
        var entries: [AuditBatch.Entry] = []
        let rows = try await engine.query("""
            SELECT idx, data, leaf_hash FROM audit_entries WHERE idx >= \(Int64(start)) AND idx < \(Int64(start + count)) ORDER BY idx
            """)
        for (index, data, leafHash) in try rows.decode((Int64, ByteBuffer, ByteBuffer).self) {
            entries.append(AuditBatch.Entry(index: Int(index), data: Array(data.readableBytesView), leafHash: Array(leafHash.readableBytesView)))
        }
        return entries
    }
}
