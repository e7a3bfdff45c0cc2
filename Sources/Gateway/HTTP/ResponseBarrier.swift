import NIOConcurrencyHelpers

/// Work a handler starts that must be done before its response leaves, but that need not hold up
/// the making of that response: the store write of an inline batch's answers (a fifth of a
/// 10,000-candidate batch's time) runs while the response is put together and signed.
///
/// ``SigningMiddleware`` makes one per request and waits on it once the body is made; a failure
/// there answers 500 instead. Outside a request (tests, batch jobs), ``run(_:)`` just runs the work.
///
/// ```swift
/// try await ResponseBarrier.run { try await store.save(rows) }   // done before the answer is sent
/// ```
final class ResponseBarrier: Sendable {
    @TaskLocal static var current: ResponseBarrier?

    private let pending = NIOLockedValueBox<[Task<Void, any Error>]>([])

    /// Starts `work` to be awaited before the current request's response is sent, or runs it now
    /// when there is no such request.
    static func run(_ work: @escaping @Sendable () async throws -> Void) async throws {
        guard let barrier = current else { return try await work() }
        barrier.pending.withLockedValue { $0.append(Task { try await work() }) }
    }

    /// Waits for everything started; throws the first failure.
    func wait() async throws {
        for task in pending.withLockedValue({ $0 }) { try await task.value }
    }
}
