/// A perfect, aligned subtree of an RFC 9162 tree: the 2^level leaves starting at index·2^level.
/// Level 0 is one leaf (its hash is the leaf hash). A log's storage keeps one hash per subtree.
public struct SubtreeID: Hashable, Sendable, CustomStringConvertible {
    public var level: Int
    public var index: Int

    public init(level: Int, index: Int) {
        self.level = level
        self.index = index
    }

    /// The leaves it covers.
    public var leaves: Range<Int> { (index << level)..<((index + 1) << level) }

    public var description: String { "\(level)/\(index)" }
}

/// The perfect subtrees that make up a growing RFC 9162 tree, left to right (one per set bit of
/// the size). Appending a leaf merges the subtrees it completes; the root folds them from the right.
/// The audit log grows it as it writes, and the verifier as it recomputes.
public struct TreeFrontier: Sendable {
    public private(set) var subtrees: [(level: Int, hash: MerkleTree.Hash)]
    public private(set) var size: Int

    public init(size: Int = 0, subtrees: [(level: Int, hash: MerkleTree.Hash)] = []) {
        self.size = size
        self.subtrees = subtrees
    }

    /// The subtrees a tree of `size` leaves is made of, left to right: what storage reads to rebuild
    /// the frontier of a stored log.
    public static func subtreeIDs(size: Int) -> [SubtreeID] {
        var ids: [SubtreeID] = []
        var offset = 0
        for level in stride(from: Int.bitWidth - 2, through: 0, by: -1) where size & (1 << level) != 0 {
            ids.append(SubtreeID(level: level, index: offset >> level))
            offset += 1 << level
        }
        return ids
    }

    /// The frontier of a tree of `size` leaves from the hashes of its ``subtreeIDs(size:)``.
    public init(size: Int, hashes: [SubtreeID: MerkleTree.Hash]) throws {
        let subtrees = try Self.subtreeIDs(size: size).map { id in
            guard let hash = hashes[id] else { throw AttestationError(.proofInvalid, "the log has no subtree \(id)") }
            return (id.level, hash)
        }
        self.init(size: size, subtrees: subtrees)
    }

    /// A subtree completed by an append.
    public struct Node: Sendable {
        public var id: SubtreeID
        public var hash: MerkleTree.Hash
    }

    /// Appends a leaf hash; returns the subtrees (level ≥ 1) it completed, lowest first.
    public mutating func append(_ leafHash: MerkleTree.Hash) -> [Node] {
        subtrees.append((0, leafHash))
        size += 1
        var completed: [Node] = []
        while subtrees.count >= 2, subtrees[subtrees.count - 1].level == subtrees[subtrees.count - 2].level {
            let right = subtrees.removeLast()
            let left = subtrees.removeLast()
            let level = left.level + 1
            let node = MerkleTree.nodeHash(left.hash, right.hash)
            completed.append(Node(id: SubtreeID(level: level, index: (size >> level) - 1), hash: node))
            subtrees.append((level, node))
        }
        return completed
    }

    /// MTH of the tree: folded from the right, as RFC 9162's split defines it.
    public var root: MerkleTree.Hash {
        guard var root = subtrees.last?.hash else { return MerkleTree.emptyRoot }
        for subtree in subtrees.dropLast().reversed() { root = MerkleTree.nodeHash(subtree.hash, root) }
        return root
    }
}
