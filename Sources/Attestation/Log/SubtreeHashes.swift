/// Hashes of ranges of leaves, computed from the perfect subtrees it was given.
///
/// Storage is asked once for every perfect subtree a proof needs (``MerkleTree/perfectSubtrees(covering:)``
/// of each range the proof names), so a proof costs one read whatever the database, and the hashes
/// of ranges computed on the way are remembered: the proofs of a batch's entries share their right
/// edge.
///
/// ```swift
/// var hashes = SubtreeHashes()
/// for (id, hash) in try await store.subtreeHashes(ids) { hashes.add(id, hash) }
/// let proof = try MerkleTree.inclusionProof(index: 3, size: 21) { try hashes.hash(of: $0) }
/// ```
public struct SubtreeHashes: Sendable {
    private var known: [Range<Int>: MerkleTree.Hash] = [:]

    public init() {}

    public mutating func add(_ id: SubtreeID, _ hash: MerkleTree.Hash) {
        known[id.leaves] = hash
    }

    /// Adds the subtrees of a frontier (the tree as it stood before an append).
    public mutating func add(_ frontier: TreeFrontier) {
        var offset = 0
        for subtree in frontier.subtrees {
            known[offset..<(offset + (1 << subtree.level))] = subtree.hash
            offset += 1 << subtree.level
        }
    }

    /// MTH of a range of leaves; a perfect subtree it was not given is an error.
    public mutating func hash(of range: Range<Int>) throws -> MerkleTree.Hash {
        if let hash = known[range] { return hash }
        guard range.count > 1, !MerkleTree.isPerfect(range) else {
            throw AttestationError(.proofInvalid, "the log has no subtree over leaves \(range)")
        }
        let k = MerkleTree.split(range.count)
        let middle = range.lowerBound + k
        let hash = MerkleTree.nodeHash(try self.hash(of: range.lowerBound..<middle), try self.hash(of: middle..<range.upperBound))
        known[range] = hash
        return hash
    }
}

extension MerkleTree {
    /// Whether a range of leaves is one stored subtree: a power-of-two count, aligned on it.
    static func isPerfect(_ range: Range<Int>) -> Bool {
        let count = range.count
        return count > 0 && count & (count - 1) == 0 && range.lowerBound % count == 0
    }

    /// The perfect subtrees whose hashes give MTH of `range`, as RFC 9162 splits it.
    public static func perfectSubtrees(covering range: Range<Int>) -> [SubtreeID] {
        guard !range.isEmpty else { return [] }
        if isPerfect(range) {
            let level = range.count.trailingZeroBitCount
            return [SubtreeID(level: level, index: range.lowerBound >> level)]
        }
        let middle = range.lowerBound + split(range.count)
        return perfectSubtrees(covering: range.lowerBound..<middle) + perfectSubtrees(covering: middle..<range.upperBound)
    }

    /// The ranges of leaves whose hashes a proof is made of: the proof's shape depends on the sizes
    /// alone, so it is walked once with placeholder hashes to learn what to read.
    static func rangesNamed(by proof: ((Range<Int>) throws -> Hash) throws -> [Hash]) rethrows -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        _ = try proof { range in
            ranges.append(range)
            return emptyRoot
        }
        return ranges
    }
}
