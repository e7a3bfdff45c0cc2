import NIOCore
import PostgresNIO
import Synchronization

extension PostgresEngine {
    /// How often a call's connection is looked at while the call runs, and how long the call may
    /// go on once it is found closed.
    static let closedConnectionGrace: TimeAmount = .seconds(5)

    /// Runs `body` on `connection`; if the connection closes and `body` has still not ended a
    /// grace period later, fails with ``PostgresUnavailable`` instead and leaves `body` behind.
    ///
    /// A query on a closed connection fails at once, except one that postgres-nio (1.33) drops: it
    /// writes each query to its channel without a promise, so a query written just after the
    /// server ended the session (a fast shutdown, an administrator's `pg_terminate_backend`) is
    /// lost with nobody told, and its caller waited for ever. A CI run hung so: after the database
    /// restarted, the watch screening waited on such a query and the gateway's graceful stop on the
    /// screening. `body` therefore runs in a task of its own, which is abandoned in that case: it is
    /// never resumed, and holds the closed connection's object, not a connection of the pool.
    static func abandoningOnClose<Value: Sendable>(
        _ connection: PostgresConnection, _ body: @escaping @Sendable (PostgresConnection) async throws -> sending Value
    ) async throws -> Value {
        let call = ConnectionCall<Value>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let work = Task {
                    do { call.end(.success(try await body(connection))) } catch { call.end(.failure(error)) }
                }
                let watch = connection.eventLoop.scheduleRepeatedTask(initialDelay: closedConnectionGrace, delay: closedConnectionGrace) { _ in
                    if connection.isClosed { call.foundClosed() }
                }
                call.begin(continuation, work: work, watch: watch)
            }
        } onCancel: {
            call.cancel()
        }
    }
}

/// One call on a connection, ended once: by its body, or by the loss of its connection. The body
/// may end before the call has begun waiting for it, and the waiting task may be cancelled before
/// either.
private final class ConnectionCall<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        /// The outcome, when it came before the continuation.
        var early: Result<Value, any Error>?
        var ended = false
        var work: Task<Void, Never>?
        var watch: RepeatedTask?
        var cancelled = false
        /// The connection was found closed at the last look.
        var closed = false
    }

    private let state = Mutex(State())

    func begin(_ continuation: CheckedContinuation<Value, any Error>, work: Task<Void, Never>, watch: RepeatedTask) {
        let (early, cancelled) = state.withLock { state -> (Result<Value, any Error>?, Bool) in
            state.work = work
            state.watch = watch
            if let early = state.early { return (early, false) }
            state.continuation = continuation
            return (nil, state.cancelled)
        }
        if let early {
            watch.cancel()
            continuation.resume(with: early)
        }
        if cancelled { work.cancel() }
    }

    func end(_ outcome: Result<Value, any Error>) {
        let taken = state.withLock { state -> (CheckedContinuation<Value, any Error>, RepeatedTask?)? in
            guard !state.ended else { return nil }
            state.ended = true
            guard let continuation = state.continuation.take() else {
                state.early = outcome
                return nil
            }
            return (continuation, state.watch)
        }
        guard let (continuation, watch) = taken else { return }
        watch?.cancel()
        continuation.resume(with: outcome)
    }

    /// The connection is closed: the call is lost if it was already closed at the look before.
    func foundClosed() {
        let (lost, work) = state.withLock { state in
            defer { state.closed = true }
            return (state.closed, state.work)
        }
        guard lost else { return }
        end(.failure(PostgresUnavailable(reason: "the connection closed under a call, which did not end")))
        work?.cancel()
    }

    func cancel() {
        let work = state.withLock { state in
            state.cancelled = true
            return state.work
        }
        work?.cancel()
    }
}
