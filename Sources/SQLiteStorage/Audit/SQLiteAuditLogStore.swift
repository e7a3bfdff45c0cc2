import Attestation
import Foundation
import GRDB
import Synchronization

/// The audit log in one SQLite file (`audit.sqlite` in the state folder), WAL with
/// `synchronous = FULL`: an append returns once its commit is on disk.
///
/// - `entries(idx, data, leaf_hash)`: every leaf, in order.
/// - `nodes(level, idx, hash)`: every complete subtree of 2^level leaves starting at idx·2^level
///   (level ≥ 1; level 0 is the leaf hash).
/// - `checkpoints(size, note)`: every signed checkpoint.
/// - `cosignatures(size, line)`: witnesses' cosignature lines of checkpoints.
///
/// SQLite's one write transaction at a time is the log's write lock: a server and
/// `creditgate keys rotate` appending to the same file continue one tree.
///
/// ```swift
/// let log = AuditLog(store: try SQLiteAuditLogStore(path: "state/audit.sqlite"), origin: origin, signer: signer)
/// ```
public final class SQLiteAuditLogStore: AuditLogStore {
    let database: DatabaseQueue
    /// The tree after this process's last append: reused when no other writer appended since, so an
    /// append reads one number, not the frontier's subtrees.
    private let lastFrontier = Mutex<TreeFrontier?>(nil)

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.label = "audit"
        // Another process's append holds the write lock for one commit: wait for it, never fail.
        configuration.busyMode = .timeout(30)
        let checkpointer = try WALCheckpointer(path: path, label: "audit", synchronous: "FULL")
        configuration.prepareDatabase { db in checkpointer.watch(db) }
        database = try DatabaseQueue(path: path, configuration: configuration)
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            // GRDB leaves NORMAL; an acknowledged entry must survive power loss.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try Self.migrator.migrate(database)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL, leaf_hash BLOB NOT NULL);
                CREATE TABLE nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
                CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL);
                """)
        }
        migrator.registerMigration("v2 cosignatures") { db in
            try db.execute(sql: "CREATE TABLE cosignatures (size INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (size, line)) WITHOUT ROWID")
        }
        return migrator
    }

    public func append<Result: Sendable>(
        _ integrate: @escaping @Sendable (TreeFrontier) throws -> (AuditBatch, Result)
    ) async throws -> Result {
        // Awaited, the transaction runs on GRDB's writer queue: its fsync does not hold one of the
        // few threads that serve every request.
        let (after, result) = try await database.write { [self] db in
            let stored = try Self.size(db)
            let before = try self.lastFrontier.withLock { $0 }.flatMap { $0.size == stored ? $0 : nil } ?? Self.frontier(db, size: stored)
            let (batch, result) = try integrate(before)
            let insertEntry = RawStatement(try db.cachedStatement(sql: "INSERT INTO entries (idx, data, leaf_hash) VALUES (?, ?, ?)"))
            for entry in batch.entries {
                insertEntry.bind(1, entry.index)
                insertEntry.bind(2, blob: entry.data)
                insertEntry.bind(3, blob: entry.leafHash)
                try insertEntry.run(db)
            }
            let insertNode = RawStatement(try db.cachedStatement(sql: "INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)"))
            for node in batch.nodes {
                insertNode.bind(1, node.id.level)
                insertNode.bind(2, node.id.index)
                insertNode.bind(3, blob: node.hash)
                try insertNode.run(db)
            }
            try db.cachedStatement(sql: "INSERT INTO checkpoints (size, note) VALUES (?, ?)")
                .execute(arguments: [batch.checkpoint.size, batch.checkpoint.note])
            return (batch.frontier, result)
        }
        // Only once committed: a frontier kept from a failed commit could match the size of a tree
        // another process wrote meanwhile, and the next checkpoint would fork the log.
        lastFrontier.withLock { $0 = after }
        return result
    }

    private static func size(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM entries")) ?? 0
    }

    private static func frontier(_ db: Database, size: Int) throws -> TreeFrontier {
        try TreeFrontier(size: size, hashes: subtreeHashes(db, TreeFrontier.subtreeIDs(size: size)))
    }

    private static func subtreeHashes(_ db: Database, _ ids: [SubtreeID]) throws -> [SubtreeID: MerkleTree.Hash] {
        let leaf = try db.cachedStatement(sql: "SELECT leaf_hash FROM entries WHERE idx = ?")
        let node = try db.cachedStatement(sql: "SELECT hash FROM nodes WHERE level = ? AND idx = ?")
        var hashes: [SubtreeID: MerkleTree.Hash] = [:]
        for id in ids {
            let data = id.level == 0
                ? try Data.fetchOne(leaf, arguments: [id.index])
                : try Data.fetchOne(node, arguments: [id.level, id.index])
            if let data { hashes[id] = Array(data) }
        }
        return hashes
    }

    public func size() async throws -> Int {
        try await database.read(Self.size)
    }

    public func addCosignatures(_ lines: [String], size: Int) async throws {
        try await database.write { db in
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO cosignatures (size, line) VALUES (?, ?)")
            for line in lines { try insert.execute(arguments: [size, line]) }
        }
    }

    public func latestCosigned() async throws -> StoredCheckpoint? {
        try await database.read { db in
            guard let size = try Int.fetchOne(db, sql: "SELECT MAX(size) FROM cosignatures"),
                  let note = try String.fetchOne(db, sql: "SELECT note FROM checkpoints WHERE size = ?", arguments: [size]) else { return nil }
            let lines = try String.fetchAll(db, sql: "SELECT line FROM cosignatures WHERE size = ? ORDER BY line", arguments: [size])
            return StoredCheckpoint(size: size, note: note + lines.joined())
        }
    }

    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1").map(Self.checkpoint)
        }
    }

    public func checkpoint(size: Int) async throws -> StoredCheckpoint? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT size, note FROM checkpoints WHERE size = ?", arguments: [size]).map(Self.checkpoint)
        }
    }

    public func checkpoints(from size: Int, limit: Int) async throws -> [StoredCheckpoint] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT size, note FROM checkpoints WHERE size >= ? ORDER BY size LIMIT ?", arguments: [size, limit])
                .map(Self.checkpoint)
        }
    }

    private static func checkpoint(_ row: Row) -> StoredCheckpoint {
        StoredCheckpoint(size: row[0], note: row[1])
    }

    public func subtreeHashes(_ ids: [SubtreeID]) async throws -> [SubtreeID: MerkleTree.Hash] {
        try await database.read { db in try Self.subtreeHashes(db, ids) }
    }

    public func entries(from start: Int, count: Int) async throws -> [AuditBatch.Entry] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT idx, data, leaf_hash FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx", arguments: [start, start + count])
                .map { AuditBatch.Entry(index: $0[0], data: Array($0[1] as Data), leafHash: Array($0[2] as Data)) }
        }
    }
}
