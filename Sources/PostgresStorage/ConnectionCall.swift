import PostgresNIO
import Synchronization

/// One store call (``PostgresEngine/connection(_:)``): it waits for a connection of the pool,
/// then runs its body there, and can be ended from outside (``CallWatch``) when the wait has gone
/// on too long or the connection has closed under the body.
///
/// A query on a closed connection fails at once, except one that postgres-nio (1.33) drops: it
/// writes each query to its channel without a promise, so a query written just after the server
/// ended the session (a fast shutdown, an administrator's `pg_terminate_backend`) is lost with
/// nobody told, and its caller waited for ever. A CI run hung so: after the database restarted,
/// the watch screening waited on such a query and the gateway's graceful stop on the screening.
/// The call's work therefore runs in a task of its own, which a call ended from outside leaves
/// behind: cancelled, and in that case never resumed, holding the closed connection's object
/// (the pool's lease is returned). The work may end before the call waits for it, and the call
/// may be cancelled before either.
final class ConnectionCall<Value: Sendable>: Sendable {
    private struct State {
        var started = ContinuousClock.now
        var connection: PostgresConnection?
        /// When the connection was first found closed.
        var closedSince: ContinuousClock.Instant?
        var continuation: CheckedContinuation<Value, any Error>?
        /// The outcome, when it came before the continuation.
        var early: Result<Value, any Error>?
        var ended = false
        var work: Task<Void, Never>?
        var cancelled = false
    }

    private let state = Mutex(State())

    /// Runs `work` (the lease and the body) in a task of its own until it ends or the call is ended.
    func run(_ work: @escaping @Sendable () async throws -> Value) async throws -> Value {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                begin(continuation, work: Task {
                    do { end(.success(try await work())) } catch { end(.failure(error)) }
                })
            }
        } onCancel: {
            cancel()
        }
    }

    /// The pool handed over `connection`: runs `body` there, unless the call has ended meanwhile.
    func leased(_ connection: PostgresConnection, _ body: @Sendable (PostgresConnection) async throws -> sending Value) async throws -> sending Value {
        let ended = state.withLock { state in
            state.connection = connection
            return state.ended
        }
        if ended { throw CancellationError() }
        return try await body(connection)
    }

    /// Ends the call with ``PostgresUnavailable`` when it has waited `leaseTimeout` for a
    /// connection, or when its connection has been closed for `grace` and the body goes on.
    func look(now: ContinuousClock.Instant, leaseTimeout: Duration, grace: Duration) {
        let reason = state.withLock { state -> String? in
            guard !state.ended else { return nil }
            guard let connection = state.connection else {
                return now - state.started >= leaseTimeout ? "no connection to the database within \(leaseTimeout)" : nil
            }
            guard connection.isClosed else { return nil }
            let since = state.closedSince ?? now
            state.closedSince = since
            return now - since >= grace ? "the connection closed under a call, which did not end" : nil
        }
        guard let reason else { return }
        end(.failure(PostgresUnavailable(reason: reason)))
        cancel()
    }

    private func begin(_ continuation: CheckedContinuation<Value, any Error>, work: Task<Void, Never>) {
        let (early, cancelled) = state.withLock { state -> (Result<Value, any Error>?, Bool) in
            state.work = work
            if let early = state.early { return (early, false) }
            state.continuation = continuation
            return (nil, state.cancelled)
        }
        if let early { continuation.resume(with: early) }
        if cancelled { work.cancel() }
    }

    private func end(_ outcome: Result<Value, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<Value, any Error>? in
            guard !state.ended else { return nil }
            state.ended = true
            if state.continuation == nil { state.early = outcome }
            return state.continuation.take()
        }
        continuation?.resume(with: outcome)
    }

    private func cancel() {
        let work = state.withLock { state in
            state.cancelled = true
            return state.work
        }
        work?.cancel()
    }
}

/// The calls under way on one engine, looked at once a second by a task of its own: one timer for
/// all of them, where a timer per call cost single checks on PostgreSQL about 5%.
final class CallWatch: Sendable {
    /// How long a call may go on once its connection is found closed.
    static let grace: Duration = .seconds(5)
    /// How long a call waits for a connection before the database counts as out of reach. The
    /// pool gives no sign that tells a busy pool from a server that is away, so this is long enough
    /// for the first under load (a full test run on two cores saw waits over 5 s).
    let leaseTimeout: Duration
    private let calls = Mutex<(next: Int, under: [Int: @Sendable (ContinuousClock.Instant) -> Void])>((0, [:]))
    private let ticking = Mutex<Task<Void, Never>?>(nil)

    init(leaseTimeout: Duration) {
        self.leaseTimeout = leaseTimeout
        let task = Task { [weak self] in
            while (try? await Task.sleep(for: .seconds(1))) != nil {
                guard let self else { return }
                let now = ContinuousClock.now
                for look in calls.withLock({ Array($0.under.values) }) { look(now) }
            }
        }
        ticking.withLock { $0 = task }
    }

    /// The engine is gone with its calls.
    deinit { stop() }

    /// Runs `operation` with `call` looked at until it returns.
    func watching<Value: Sendable>(_ call: ConnectionCall<Value>, _ operation: () async throws -> Value) async throws -> Value {
        let id = calls.withLock { [leaseTimeout] calls in
            calls.next += 1
            calls.under[calls.next] = { call.look(now: $0, leaseTimeout: leaseTimeout, grace: Self.grace) }
            return calls.next
        }
        defer { _ = calls.withLock { $0.under.removeValue(forKey: id) } }
        return try await operation()
    }

    /// Stops looking (the engine is closing).
    func stop() {
        ticking.withLock { $0?.cancel() }
    }
}
