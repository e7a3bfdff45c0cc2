@testable import Attestation
import Testing

/// A write about to begin waits for the submissions announced before it, and never for longer
/// than its limit. A broken wait shows as a test that runs out its minute.
@Suite("Group commit", .timeLimit(.minutes(1)))
struct GroupCommitTests {
    /// A commit whose writes hand each item back.
    func commit(gatherLimit: Duration) -> GroupCommit<Int, Int> {
        GroupCommit(gatherLimit: gatherLimit) { $0 }
    }

    /// Resolves once a write is waiting for `count` announced submissions.
    func waitUntilGathering(_ commit: GroupCommit<Int, Int>, for count: Int) async {
        while await commit.awaitedSubmissions != count { await Task.yield() }
    }

    @Test func aWriteWaitsForTheSubmissionsAnnouncedBeforeIt() async throws {
        // An hour: were the announcements not waited for, the first item would be written alone.
        let commit = commit(gatherLimit: .seconds(3600))
        commit.announce()
        commit.announce()
        async let first = commit.submit([1])
        await waitUntilGathering(commit, for: 2)
        async let second = commit.submit([2, 3], announced: true)
        async let third = commit.submit([4], announced: true)
        #expect(try await [first, second, third] == [[1], [2, 3], [4]])
        #expect(await commit.recentBatchSizes == [4])
    }

    @Test func aWriteGoesAtItsLimitWhenAnAnnouncedSubmissionNeverComes() async throws {
        let commit = commit(gatherLimit: .milliseconds(20))
        commit.announce()
        #expect(try await commit.submit([1]) == [1])
        #expect(await commit.recentBatchSizes == [1])
    }

    @Test func aWithdrawnAnnouncementIsNoLongerWaitedFor() async throws {
        let commit = commit(gatherLimit: .seconds(3600))
        commit.announce()
        async let first = commit.submit([1])
        await waitUntilGathering(commit, for: 1)
        await commit.withdraw()
        #expect(try await first == [1])
        // Nothing is announced any more: the next write does not wait at all.
        #expect(try await commit.submit([2]) == [2])
        #expect(await commit.recentBatchSizes == [1, 1])
    }

    @Test func withoutALimitNothingIsWaitedFor() async throws {
        let commit = commit(gatherLimit: .zero)
        commit.announce()
        #expect(try await commit.submit([1]) == [1])
        #expect(await commit.awaitedSubmissions == nil)
    }
}
