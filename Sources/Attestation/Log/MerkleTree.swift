import Crypto

/// RFC 9162 §2.1 Merkle tree hashing, inclusion and consistency proofs.
///
/// Proof generation asks for subtree hashes through a closure, so a log that stores (or caches)
/// subtree hashes serves proofs without rehashing every leaf; ``InMemoryTree`` computes them from
/// leaf hashes. Verification needs only the proof, the sizes and the roots: clients and auditors run
/// it offline.
///
/// ```swift
/// let tree = InMemoryTree(leaves: entries)
/// let proof = try tree.inclusionProof(index: 3)
/// MerkleTree.verifyInclusion(index: 3, size: tree.size, leafHash: tree.leafHashes[3], proof: proof, root: tree.root)
/// ```
public enum MerkleTree {
    public typealias Hash = [UInt8]

    /// SHA-256 of the empty string: the root of the empty tree.
    public static let emptyRoot: Hash = Array(SHA256.hash(data: [UInt8]()))

    public static func leafHash(_ data: some Sequence<UInt8>) -> Hash {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: Array(data))
        return Array(hasher.finalize())
    }

    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// The largest power of two smaller than `n` (n ≥ 2): where RFC 9162 splits a tree.
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH over leaf hashes.
    public static func root(of leafHashes: ArraySlice<Hash>) -> Hash {
        switch leafHashes.count {
        case 0: return emptyRoot
        case 1: return leafHashes[leafHashes.startIndex]
        default:
            let k = split(leafHashes.count)
            let mid = leafHashes.startIndex + k
            return nodeHash(root(of: leafHashes[..<mid]), root(of: leafHashes[mid...]))
        }
    }

    /// PATH(m, D[n]) (§2.1.3.1); `subtree` returns MTH of a range of leaves, or what stands for it
    /// (the log's receipts take its Base64, made once per subtree for all the leaves of a write).
    ///
    /// The recursion of the RFC walked iteratively, root to leaf, into one array: a group commit
    /// makes a proof per entry, and concatenating at every level copied each proof twenty times.
    public static func inclusionProof<Node>(index: Int, size: Int, subtree: (Range<Int>) throws -> Node) throws -> [Node] {
        guard index >= 0, index < size else { throw AttestationError(.proofInvalid, "leaf \(index) is not in a tree of \(size)") }
        var proof: [Node] = []
        var m = index
        var range = 0..<size
        while range.count > 1 {
            let k = split(range.count)
            let middle = range.lowerBound + k
            if m < k {
                proof.append(try subtree(middle..<range.upperBound))
                range = range.lowerBound..<middle
            } else {
                proof.append(try subtree(range.lowerBound..<middle))
                m -= k
                range = middle..<range.upperBound
            }
        }
        // PATH lists the siblings from the leaf up.
        proof.reverse()
        return proof
    }

    /// PROOF(m, D[n]) (§2.1.4.1) between an old size and a new one.
    public static func consistencyProof(oldSize: Int, newSize: Int, subtree: (Range<Int>) throws -> Hash) throws -> [Hash] {
        guard oldSize >= 0, oldSize <= newSize else {
            throw AttestationError(.proofInvalid, "no consistency proof from \(oldSize) to \(newSize)")
        }
        guard oldSize > 0, oldSize < newSize else { return [] }
        func subproof(_ m: Int, _ range: Range<Int>, _ complete: Bool) throws -> [Hash] {
            if m == range.count { return complete ? [] : [try subtree(range)] }
            let k = split(range.count)
            if m <= k {
                return try subproof(m, range.lowerBound..<(range.lowerBound + k), complete) + [subtree((range.lowerBound + k)..<range.upperBound)]
            }
            return try subproof(m - k, (range.lowerBound + k)..<range.upperBound, false) + [subtree(range.lowerBound..<(range.lowerBound + k))]
        }
        return try subproof(oldSize, 0..<newSize, true)
    }

    /// §2.1.3.2: does `leafHash` sit at `index` in the tree of `size` with this `root`?
    ///
    /// As strict as the reference verifier (transparency-dev/merkle, whose probes
    /// `Tests/AttestationTests` runs): the leaf hash must be a SHA-256 hash and the proof exactly
    /// as long as that index and size call for.
    public static func verifyInclusion(index: Int, size: Int, leafHash: Hash, proof: [Hash], root: Hash) -> Bool {
        guard index >= 0, index < size, leafHash.count == SHA256.byteCount else { return false }
        let (inner, border) = decomposition(index: index, size: size)
        guard proof.count == inner + border else { return false }
        var r = leafHash
        let sn = climb(fn: index, sn: size - 1, path: proof, left: { r = nodeHash($0, r) }, right: { r = nodeHash(r, $0) })
        return sn == 0 && r == root
    }

    /// §2.1.4.2: is the tree of `newSize` with `newRoot` an append-only extension of the tree of
    /// `oldSize` with `oldRoot`?
    ///
    /// As strict as the reference verifier: a proof from the empty tree is refused (every tree
    /// extends it, so such a "proof" proves nothing; callers that hold an empty checkpoint need no
    /// proof), and a proof must be exactly as long as the two sizes call for.
    public static func verifyConsistency(oldSize: Int, newSize: Int, oldRoot: Hash, newRoot: Hash, proof: [Hash]) -> Bool {
        guard oldSize > 0, oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        // The proof's first hash is the old tree's rightmost complete subtree (of 2^shift leaves),
        // left out when that subtree is the whole old tree, whose root the verifier has.
        let shift = oldSize.trailingZeroBitCount
        let (inner, border) = decomposition(index: oldSize - 1, size: newSize)
        let seeded = oldSize == 1 << shift
        guard proof.count == (seeded ? 0 : 1) + inner - shift + border else { return false }
        var path = proof
        if seeded { path.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        let end = climb(fn: fn, sn: sn, path: path.dropFirst(), left: { c in
            fr = nodeHash(c, fr)
            sr = nodeHash(c, sr)
        }, right: { sr = nodeHash(sr, $0) })
        return fr == oldRoot && sr == newRoot && end == 0
    }

    /// How an inclusion proof for `index` in a tree of `size` splits: `inner` hashes below the
    /// level where the paths to `index` and to the last leaf meet, then `border` hashes of left
    /// siblings on the tree's right border.
    static func decomposition(index: Int, size: Int) -> (inner: Int, border: Int) {
        let inner = Int.bitWidth - (index ^ (size - 1)).leadingZeroBitCount
        return (inner, (index >> inner).nonzeroBitCount)
    }

    /// The walk up the tree that both verifications make (§2.1.3.2 step 4, §2.1.4.2 step 6): each
    /// proof hash is a left sibling (`left`) or a right one (`right`) of the node reached so far.
    /// Returns the final `sn`, or `nil` when the proof is longer than the path.
    private static func climb(
        fn start: Int, sn last: Int, path: some Sequence<Hash>, left: (Hash) -> Void, right: (Hash) -> Void
    ) -> Int? {
        var fn = start
        var sn = last
        for p in path {
            guard sn != 0 else { return nil }
            if fn & 1 == 1 || fn == sn {
                left(p)
                if fn & 1 == 0 {
                    repeat {
                        fn >>= 1
                        sn >>= 1
                    } while fn & 1 == 0 && fn != 0
                }
            } else {
                right(p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn
    }
}

/// A tree held in memory as leaf hashes: for tests, verifiers and small logs.
public struct InMemoryTree: Sendable {
    public private(set) var leafHashes: [MerkleTree.Hash] = []

    public init(leaves: [[UInt8]] = []) {
        leafHashes = leaves.map { MerkleTree.leafHash($0) }
    }

    public mutating func append(_ leaf: [UInt8]) { leafHashes.append(MerkleTree.leafHash(leaf)) }

    public var size: Int { leafHashes.count }
    public var root: MerkleTree.Hash { MerkleTree.root(of: leafHashes[...]) }
    public func root(size: Int) -> MerkleTree.Hash { MerkleTree.root(of: leafHashes[..<size]) }

    public func inclusionProof(index: Int, size: Int? = nil) throws -> [MerkleTree.Hash] {
        try MerkleTree.inclusionProof(index: index, size: size ?? self.size) { MerkleTree.root(of: leafHashes[$0]) }
    }

    public func consistencyProof(from oldSize: Int, to newSize: Int? = nil) throws -> [MerkleTree.Hash] {
        try MerkleTree.consistencyProof(oldSize: oldSize, newSize: newSize ?? size) { MerkleTree.root(of: leafHashes[$0]) }
    }
}
