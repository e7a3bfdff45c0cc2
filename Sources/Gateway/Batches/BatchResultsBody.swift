import Foundation
import Storage

/// A finished job's results streamed from the store a chunk at a time: a million result lines are
/// never in memory whole.
struct BatchResultsBody: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>
    let store: any BatchJobStore
    let job: BatchJobRecord

    struct AsyncIterator: AsyncIteratorProtocol {
        let store: any BatchJobStore
        let job: BatchJobRecord
        var chunk = 0

        mutating func next() async throws -> ArraySlice<UInt8>? {
            guard chunk < job.nextChunk, let lines = try await store.results(job.id, chunk: chunk) else { return nil }
            chunk += 1
            return ArraySlice(lines)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(store: store, job: job) }
}
