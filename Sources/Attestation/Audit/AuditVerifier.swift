import Foundation
import GRDB

/// Recomputes an audit log from its storage and checks everything: each leaf hash against its
/// entry, each stored subtree hash, each checkpoint's signature and root. Checkpoints whose roots
/// are all recomputed from the same leaves are consistent with each other by construction.
///
/// ```swift
/// let report = try AuditVerifier.verify(path: "state/audit.sqlite", origin: origin, verifiers: [noteVerifier])
/// report.firstBadIndex  // nil when nothing was altered
/// ```
public enum AuditVerifier {
    public struct Report: Sendable, Hashable {
        public var entries: Int
        public var checkpoints: Int
        /// The first entry found altered, missing, or not matching the signed checkpoints.
        public var firstBadIndex: Int?
        public var problem: String?

        public var isIntact: Bool { firstBadIndex == nil && problem == nil }
    }

    public static func verify(path: String, origin: String, verifiers: [NoteVerifier]) throws -> Report {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            var checkpointNotes: [(size: Int, note: String)] = try Row.fetchAll(db, sql: "SELECT size, note FROM checkpoints ORDER BY size")
                .map { ($0[0], $0[1]) }
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entries") ?? 0
            var report = Report(entries: total, checkpoints: checkpointNotes.count)
            func fail(_ index: Int?, _ problem: String) -> Report {
                var failed = report
                failed.firstBadIndex = index
                failed.problem = problem
                return failed
            }
            var frontier = TreeFrontier()
            var lastCheckpointSize = 0
            var expected = 0
            let rows = try Row.fetchCursor(db, sql: "SELECT idx, data, leaf_hash FROM entries ORDER BY idx")
            let nodes = try db.makeStatement(sql: "SELECT hash FROM nodes WHERE level = ? AND idx = ?")
            // Checkpoints of size 0 have nothing to check but their signature.
            while let first = checkpointNotes.first, first.size == 0 {
                do { _ = try Checkpoint.open(first.note, verifiers: verifiers, origin: origin) } catch { return fail(nil, "checkpoint 0: \(error)") }
                checkpointNotes.removeFirst()
            }
            while let row = try rows.next() {
                let index: Int = row[0]
                guard index == expected else { return fail(expected, "entry \(expected) is missing") }
                let data: Data = row[1]
                let stored: Data = row[2]
                let leafHash = MerkleTree.leafHash(Array(data))
                guard Array(stored) == leafHash else { return fail(index, "entry \(index) does not match its leaf hash") }
                expected += 1
                for node in frontier.append(leafHash) {
                    let storedNode = try Data.fetchOne(nodes, arguments: [node.level, node.index])
                    guard storedNode.map(Array.init) == node.hash else {
                        let first = node.index << node.level
                        return fail(first, "the stored hash of leaves \(first)..<\(expected) is wrong")
                    }
                }
                while let next = checkpointNotes.first, next.size == expected {
                    checkpointNotes.removeFirst()
                    let checkpoint: Checkpoint
                    do {
                        checkpoint = try Checkpoint.open(next.note, verifiers: verifiers, origin: origin)
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
            if let orphan = checkpointNotes.first {
                return fail(expected, "checkpoint \(orphan.size) covers entries that are not in the log")
            }
            report.entries = expected
            return report
        }
    }
}
