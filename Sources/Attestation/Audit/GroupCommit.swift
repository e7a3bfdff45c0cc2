import Synchronization

/// Many writers, one write: items submitted while a write is in progress wait and go into the next
/// one together (one transaction, one fsync), and each submitter gets back the outputs for its own
/// items, in order.
///
/// **Gathering.** A writer may say beforehand that it will submit soon (``announce()``), as a
/// check does when it starts on its archive read. A write about to begin while submissions are
/// announced waits for those, up to `gatherLimit`, so one durable commit carries them too
/// (PostgreSQL's `commit_delay` with `commit_siblings`, bounded by what is actually on its way).
/// Without it a write takes only what arrived while the last one was written: 4 entries per
/// fsync at 16 connections, when most checks are on the CPU, not waiting for the log.
///
/// Used by the audit log (entries → receipts) and the gateway's check store (answers → nothing).
///
/// ```swift
/// let commit = GroupCommit<[UInt8], Receipt> { leaves in try writeInOneTransaction(leaves) }
/// commit.announce()                                   // an entry is on its way
/// let receipts = try await commit.submit(leaves, announced: true)
/// ```
package actor GroupCommit<Item: Sendable, Output: Sendable> {
    private let write: @Sendable ([Item]) async throws -> [Output]
    private let gatherLimit: Duration
    private var pending: [(items: [Item], continuation: CheckedContinuation<[Output], any Error>)] = []
    private var writing = false
    /// Submissions announced and neither submitted nor withdrawn.
    private nonisolated let announced = Atomic<Int>(0)
    /// The wait of a write about to begin for the submissions announced before it.
    private var gathering: Gathering?
    private var gatherings = 0
    /// How many items each write carried (most recent last, bounded): the group-commit figure.
    package private(set) var recentBatchSizes: [Int] = []

    private struct Gathering {
        var number: Int
        var awaited: Int
        var continuation: CheckedContinuation<Void, Never>
        var limit: Task<Void, Never>?
    }

    /// `write` must return one output per item, in order. `gatherLimit` zero: never wait.
    package init(gatherLimit: Duration = .zero, write: @escaping @Sendable ([Item]) async throws -> [Output]) {
        self.gatherLimit = gatherLimit
        self.write = write
    }

    /// Says that a ``submit(_:announced:)`` (with `announced: true`) or a ``withdraw()`` will follow.
    package nonisolated func announce() {
        announced.add(1, ordering: .relaxed)
    }

    /// An announced submission that will not come (its writer failed first).
    package func withdraw() {
        arrived()
    }

    /// How many announced submissions the write about to begin still waits for; nil when none is waiting.
    package var awaitedSubmissions: Int? { gathering?.awaited }

    package func submit(_ items: [Item], announced wasAnnounced: Bool = false) async throws -> [Output] {
        if wasAnnounced { arrived() }
        guard !items.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append((items, continuation))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func arrived() {
        announced.subtract(1, ordering: .relaxed)
        guard var gathering else { return }
        gathering.awaited -= 1
        self.gathering = gathering
        if gathering.awaited <= 0 { endGathering(gathering.number) }
    }

    private func drain() async {
        while !pending.isEmpty {
            await gather()
            let batch = pending
            pending = []
            do {
                var outputs = try await write(batch.flatMap { $0.items })[...]
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

    /// Waits until the submissions announced now have come, or `gatherLimit` has passed. Those
    /// announced meanwhile are not waited for: under steady load they never run out.
    private func gather() async {
        let awaited = announced.load(ordering: .relaxed)
        guard awaited > 0, gatherLimit > .zero else { return }
        gatherings &+= 1
        let number = gatherings
        await withCheckedContinuation { continuation in
            gathering = Gathering(number: number, awaited: awaited, continuation: continuation)
            gathering?.limit = Task { [gatherLimit] in
                try? await Task.sleep(for: gatherLimit)
                await self.endGathering(number)
            }
        }
    }

    private func endGathering(_ number: Int) {
        guard let gathering, gathering.number == number else { return }
        self.gathering = nil
        gathering.limit?.cancel()
        gathering.continuation.resume()
    }
}
