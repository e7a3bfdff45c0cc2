import Foundation
import GRDB

/// The audit log's tables.
///
/// - `entries(idx, data, leaf_hash)`: every leaf, in order.
/// - `nodes(level, idx, hash)`: every complete subtree of 2^level leaves starting at idx·2^level
///   (level ≥ 1; level 0 is the leaf hash).
/// - `checkpoints(size, note)`: every signed checkpoint.
enum AuditSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL, leaf_hash BLOB NOT NULL);
                CREATE TABLE nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
                CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL);
                """)
        }
        return migrator
    }
}

/// Reads and writes of the audit tables inside one database access.
///
/// A proof needs O(log² n) subtree hashes and a group commit makes a proof per entry, so lookups go
/// through prepared statements, and the hashes of ranges already known in this access are
/// remembered: those written (leaves, completed subtrees) and those computed (the right edge that
/// every proof of a batch shares). Seeded with the frontier the batch was appended to, the proofs of
/// a batch's entries read nothing back: every subtree left of a new leaf is a frontier subtree or
/// is made of one and new leaves.
final class AuditStore {
    let db: Database
    private var computed: [Range<Int>: MerkleTree.Hash] = [:]

    init(_ db: Database) { self.db = db }

    func insertEntry(index: Int, data: [UInt8], leafHash: MerkleTree.Hash) throws {
        try db.cachedStatement(sql: "INSERT INTO entries (idx, data, leaf_hash) VALUES (?, ?, ?)").execute(arguments: [index, Data(data), Data(leafHash)])
        computed[index..<(index + 1)] = leafHash
    }

    func insertNode(level: Int, index: Int, hash: MerkleTree.Hash) throws {
        try db.cachedStatement(sql: "INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)").execute(arguments: [level, index, Data(hash)])
        computed[(index << level)..<((index + 1) << level)] = hash
    }

    /// Remembers the subtrees of a frontier (the tree as it stood before an append).
    func remember(_ frontier: TreeFrontier) {
        var offset = 0
        for subtree in frontier.subtrees {
            computed[offset..<(offset + (1 << subtree.level))] = subtree.hash
            offset += 1 << subtree.level
        }
    }

    func insertCheckpoint(size: Int, note: String) throws {
        try db.cachedStatement(sql: "INSERT INTO checkpoints (size, note) VALUES (?, ?)").execute(arguments: [size, note])
    }

    /// The hash of a perfect, aligned subtree.
    func perfectHash(level: Int, index: Int) throws -> MerkleTree.Hash {
        let data: Data?
        if level == 0 {
            data = try Data.fetchOne(db.cachedStatement(sql: "SELECT leaf_hash FROM entries WHERE idx = ?"), arguments: [index])
        } else {
            data = try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM nodes WHERE level = ? AND idx = ?"), arguments: [level, index])
        }
        guard let data else { throw AttestationError(.proofInvalid, "the log has no subtree \(level)/\(index)") }
        return Array(data)
    }

    /// MTH of any range of leaves, from stored perfect subtrees (RFC 9162 splits a range into a
    /// perfect left part and a remainder).
    func subtreeHash(_ range: Range<Int>) throws -> MerkleTree.Hash {
        if let known = computed[range] { return known }
        let count = range.count
        guard count > 0 else { return MerkleTree.emptyRoot }
        let hash: MerkleTree.Hash
        if count & (count - 1) == 0, range.lowerBound % count == 0 {
            let level = count.trailingZeroBitCount
            hash = try perfectHash(level: level, index: range.lowerBound >> level)
        } else {
            let k = MerkleTree.split(count)
            hash = MerkleTree.nodeHash(
                try subtreeHash(range.lowerBound..<(range.lowerBound + k)), try subtreeHash((range.lowerBound + k)..<range.upperBound))
        }
        computed[range] = hash
        return hash
    }

    /// The frontier of the tree of `size` leaves, from stored subtree hashes.
    func frontier(size: Int) throws -> TreeFrontier {
        var subtrees: [(level: Int, hash: MerkleTree.Hash)] = []
        var offset = 0
        for level in stride(from: Int.bitWidth - 2, through: 0, by: -1) where size & (1 << level) != 0 {
            subtrees.append((level, try perfectHash(level: level, index: offset >> level)))
            offset += 1 << level
        }
        return TreeFrontier(size: size, subtrees: subtrees)
    }
}
