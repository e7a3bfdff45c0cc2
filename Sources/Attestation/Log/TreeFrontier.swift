/// The perfect subtrees that make up a growing RFC 9162 tree, left to right (one per set bit of
/// the size). Appending a leaf merges the subtrees it completes; the root folds them from the right.
/// The audit log grows it as it writes, and the verifier as it recomputes.
struct TreeFrontier: Sendable {
    private(set) var subtrees: [(level: Int, hash: MerkleTree.Hash)]
    private(set) var size: Int

    init(size: Int = 0, subtrees: [(level: Int, hash: MerkleTree.Hash)] = []) {
        self.size = size
        self.subtrees = subtrees
    }

    /// A subtree completed by an append: 2^level leaves starting at index·2^level.
    struct Node {
        var level: Int
        var index: Int
        var hash: MerkleTree.Hash
    }

    /// Appends a leaf hash; returns the subtrees (level ≥ 1) it completed, lowest first.
    mutating func append(_ leafHash: MerkleTree.Hash) -> [Node] {
        subtrees.append((0, leafHash))
        size += 1
        var completed: [Node] = []
        while subtrees.count >= 2, subtrees[subtrees.count - 1].level == subtrees[subtrees.count - 2].level {
            let right = subtrees.removeLast()
            let left = subtrees.removeLast()
            let level = left.level + 1
            let node = MerkleTree.nodeHash(left.hash, right.hash)
            completed.append(Node(level: level, index: (size >> level) - 1, hash: node))
            subtrees.append((level, node))
        }
        return completed
    }

    /// MTH of the tree: folded from the right, as RFC 9162's split defines it.
    var root: MerkleTree.Hash {
        guard var root = subtrees.last?.hash else { return MerkleTree.emptyRoot }
        for subtree in subtrees.dropLast().reversed() { root = MerkleTree.nodeHash(subtree.hash, root) }
        return root
    }
}
