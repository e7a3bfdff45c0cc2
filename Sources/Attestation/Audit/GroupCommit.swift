/// Many writers, one write: items submitted while a write is in progress wait and go into the next
/// one together (one transaction, one fsync), and each submitter gets back the outputs for its own
/// items, in order.
///
/// Used by the audit log (entries → receipts) and the gateway's check store (answers → nothing).
///
/// ```swift
/// let commit = GroupCommit<[UInt8], Receipt> { leaves in try writeInOneTransaction(leaves) }
/// let receipts = try await commit.submit(leaves)
/// ```
package actor GroupCommit<Item: Sendable, Output: Sendable> {
    private let write: @Sendable ([Item]) async throws -> [Output]
    private var pending: [(items: [Item], continuation: CheckedContinuation<[Output], any Error>)] = []
    private var writing = false
    /// How many items each write carried (most recent last, bounded): the group-commit figure.
    package private(set) var recentBatchSizes: [Int] = []

    /// `write` must return one output per item, in order.
    package init(write: @escaping @Sendable ([Item]) async throws -> [Output]) {
        self.write = write
    }

    package func submit(_ items: [Item]) async throws -> [Output] {
        guard !items.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append((items, continuation))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            do {
                var outputs = try await write(batch.flatMap(\.items))[...]
                for submission in batch {
                    submission.continuation.resume(returning: Array(outputs.prefix(submission.items.count)))
                    outputs = outputs.dropFirst(submission.items.count)
                }
            } catch {
                for submission in batch { submission.continuation.resume(throwing: error) }
            }
            recentBatchSizes.append(batch.reduce(0) { $0 + $1.items.count })
            if recentBatchSizes.count > 1024 { recentBatchSizes.removeFirst(recentBatchSizes.count - 1024) }
            // Let the submissions that queued up during the write join the next one.
            await Task.yield()
        }
        writing = false
    }
}
