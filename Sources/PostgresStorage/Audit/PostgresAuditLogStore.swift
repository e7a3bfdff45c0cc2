import Attestation
import NIOCore
import PostgresNIO
import Synchronization

/// The audit log in PostgreSQL, one log for every gateway that shares the database.
///
/// An append moves `audit_head`'s size on and writes the entries, the completed subtrees and the
/// signed checkpoint in one call of `audit_append` (schema v5), which writes nothing unless the
/// stored size is the one the batch was integrated onto, under the row's lock. A checkpoint is
/// therefore committed only over a tree that every later one extends: two gateways cannot fork the
/// log, and a gateway that crashes mid-append leaves nothing half-written.
///
/// The tree this process last wrote is kept: while no other gateway appends, the batch is
/// integrated onto it and the call, alone in its transaction, is the whole append (one round
/// trip). Otherwise, or when the call finds the log has moved on, the append locks the row
/// (`FOR UPDATE`), reads the stored tree, integrates onto it and makes the call in that
/// transaction (four round trips), as Tessera's sequencing does.
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
        if let cached = lastFrontier.withLock({ $0 }) {
            let (batch, result) = try integrate(cached)
            if try await engine.connection({ [engine] in try await Self.write(batch, onto: cached.size, on: $0, engine.logger) }) {
                lastFrontier.withLock { $0 = batch.frontier }
                return result
            }
        }
        let (after, result) = try await engine.transaction { [engine] connection in
            var size = 0
            for try await stored in try await connection.query("SELECT size FROM audit_head WHERE id = 1 FOR UPDATE", logger: engine.logger)
                .decode(Int64.self) { size = Int(stored) }
            let before = try TreeFrontier(size: size, hashes: try await Self.subtreeHashes(TreeFrontier.subtreeIDs(size: size), on: connection, engine.logger))
            let (batch, result) = try integrate(before)
            guard try await Self.write(batch, onto: size, on: connection, engine.logger) else { throw AuditHeadMoved(size: size) }
            return (batch.frontier, result)
        }
        // Only once committed: a frontier kept from a failed commit could match the size of a tree
        // another gateway wrote meanwhile, and the next checkpoint would fork the log.
        lastFrontier.withLock { $0 = after }
        return result
    }

    /// Writes `batch` if the log still holds `size` entries; false (and nothing written) if not.
    private static func write(_ batch: AuditBatch, onto size: Int, on connection: PostgresConnection, _ logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            SELECT audit_append(\(Int64(size)), \(batch.entries.map { Int64($0.index) })::bigint[], \(batch.entries.map { ByteBuffer(bytes: $0.data) })::bytea[],
                                \(batch.entries.map { ByteBuffer(bytes: $0.leafHash) })::bytea[], \(batch.nodes.map { Int32($0.id.level) })::integer[],
                                \(batch.nodes.map { Int64($0.id.index) })::bigint[], \(batch.nodes.map { ByteBuffer(bytes: $0.hash) })::bytea[],
                                \(Int64(batch.checkpoint.size)), \(batch.checkpoint.note))
            """, logger: logger)
        for try await written in rows.decode(Bool.self) { return written }
        return false
    }

    public func size() async throws -> Int {
        var size = 0
        for stored in try await engine.query("SELECT size FROM audit_head WHERE id = 1").decode(Int64.self) { size = Int(stored) }
        return size
    }

    public func addCosignatures(_ lines: [String], size: Int) async throws {
        for line in lines {
            _ = try await engine.query("INSERT INTO audit_cosignatures (size, line) VALUES (\(Int64(size)), \(line)) ON CONFLICT DO NOTHING")
        }
    }

    public func latestCosigned() async throws -> StoredCheckpoint? {
        var lines: [String] = []
        var size: Int64?
        for (cosigned, line) in try await engine.query("""
            SELECT size, line FROM audit_cosignatures WHERE size = (SELECT MAX(size) FROM audit_cosignatures) ORDER BY line
            """).decode((Int64, String).self) {
            size = cosigned
            lines.append(line)
        }
        guard let size, let checkpoint = try await checkpoint(size: Int(size)) else { return nil }
        return StoredCheckpoint(size: checkpoint.size, note: checkpoint.note + lines.joined())
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

/// The log's size changed under a held lock: the database is not behaving as a database.
struct AuditHeadMoved: Error, CustomStringConvertible {
    var size: Int
    var description: String { "the audit log moved on from \(size) entries while its row was locked" }
}
