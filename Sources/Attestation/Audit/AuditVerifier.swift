/// Recomputes an audit log from its storage and checks everything: each leaf hash against its
/// entry, each stored subtree hash, each checkpoint's signatures (every one made by a known key:
/// Ed25519, and SM2 where the switch was on) and root. Checkpoints whose roots
/// are all recomputed from the same leaves are consistent with each other by construction.
///
/// It reads through ``AuditLogStore`` a page at a time, so it checks a SQLite file or a shared
/// PostgreSQL log alike, in bounded memory.
///
/// ```swift
/// let report = try await AuditVerifier.verify(store: store, origin: origin, verifiers: [noteVerifier])
/// report.firstBadIndex  // nil when nothing was altered
/// ```
public enum AuditVerifier {
    public struct Report: Sendable, Hashable {
        public var entries: Int
        public var checkpoints: Int
        /// How many checkpoint signatures verified, by algorithm (`ed25519`, `sm2-sm3`).
        public var signatures: [String: Int] = [:]
        /// The first entry found altered, missing, or not matching the signed checkpoints.
        public var firstBadIndex: Int?
        public var problem: String?

        public var isIntact: Bool { firstBadIndex == nil && problem == nil }
    }

    /// Entries read (and subtree hashes fetched) per round trip.
    static let page = 4096

    public static func verify(store: some AuditLogStore, origin: String, verifiers: [NoteVerifier]) async throws -> Report {
        var report = Report(entries: 0, checkpoints: 0)
        func fail(_ index: Int?, _ problem: String) -> Report {
            var failed = report
            failed.firstBadIndex = index
            failed.problem = problem
            return failed
        }
        func open(_ note: String) throws(AttestationError) -> Checkpoint {
            let (checkpoint, signers) = try Checkpoint.openSigned(note, verifiers: verifiers, origin: origin)
            for signer in signers { report.signatures[signer.publicKey.algorithm.rawValue, default: 0] += 1 }
            return checkpoint
        }
        var checkpoints = CheckpointCursor(store: store)
        // Checkpoints of size 0 have nothing to check but their signature.
        while let first = try await checkpoints.peek(), first.size == 0 {
            do { _ = try open(first.note) } catch { return fail(nil, "checkpoint 0: \(error)") }
            checkpoints.advance()
        }
        var frontier = TreeFrontier()
        var lastCheckpointSize = 0
        var expected = 0
        while true {
            let entries = try await store.entries(from: expected, count: page)
            guard !entries.isEmpty else { break }
            // Which subtrees an append completes depends on the size alone: fetch the page's at once.
            let nodeIDs = (expected..<(expected + entries.count)).flatMap(completedSubtrees(byAppendingAt:))
            let storedNodes = try await store.subtreeHashes(nodeIDs)
            for entry in entries {
                guard entry.index == expected else { return fail(expected, "entry \(expected) is missing") }
                let leafHash = MerkleTree.leafHash(entry.data)
                guard entry.leafHash == leafHash else { return fail(entry.index, "entry \(entry.index) does not match its leaf hash") }
                expected += 1
                for node in frontier.append(leafHash) where storedNodes[node.id] != node.hash {
                    let first = node.id.leaves.lowerBound
                    return fail(first, "the stored hash of leaves \(first)..<\(expected) is wrong")
                }
                while let next = try await checkpoints.peek(), next.size == expected {
                    checkpoints.advance()
                    let checkpoint: Checkpoint
                    do {
                        checkpoint = try open(next.note)
                    } catch {
                        return fail(lastCheckpointSize, "checkpoint \(next.size) does not verify: \(error)")
                    }
                    guard checkpoint.size == next.size else { return fail(lastCheckpointSize, "checkpoint \(next.size) claims size \(checkpoint.size)") }
                    guard checkpoint.rootHash == frontier.root else {
                        return fail(lastCheckpointSize, "the entries \(lastCheckpointSize)..<\(expected) no longer match signed checkpoint \(expected)")
                    }
                    lastCheckpointSize = expected
                }
            }
            report.entries = expected
            report.checkpoints = checkpoints.consumed
        }
        if let orphan = try await checkpoints.peek() {
            return fail(expected, "checkpoint \(orphan.size) covers entries that are not in the log")
        }
        report.entries = expected
        report.checkpoints = checkpoints.consumed
        return report
    }

    /// The subtrees (level ≥ 1) that appending leaf `index` completes.
    static func completedSubtrees(byAppendingAt index: Int) -> [SubtreeID] {
        let size = index + 1
        return (0..<size.trailingZeroBitCount).map { SubtreeID(level: $0 + 1, index: (size >> ($0 + 1)) - 1) }
    }

    /// The stored checkpoints in order of size, read a page at a time.
    private struct CheckpointCursor<Store: AuditLogStore> {
        let store: Store
        private var buffered: ArraySlice<StoredCheckpoint> = []
        private var nextSize = 0
        private var exhausted = false
        private(set) var consumed = 0

        init(store: Store) { self.store = store }

        mutating func peek() async throws -> StoredCheckpoint? {
            if buffered.isEmpty, !exhausted {
                let page = try await store.checkpoints(from: nextSize, limit: AuditVerifier.page)
                exhausted = page.count < AuditVerifier.page
                if let last = page.last { nextSize = last.size + 1 }
                buffered = page[...]
            }
            return buffered.first
        }

        mutating func advance() {
            buffered.removeFirst()
            consumed += 1
        }
    }
}
