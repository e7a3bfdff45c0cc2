/// Mutual exclusion per key, for work that awaits while it holds the lock (a SQLite transaction
/// cannot stay open across an `await`). Waiters are served in arrival order.
///
/// ```swift
/// let locks = KeyedLock()
/// try await locks.withLock("chk_…") { try await chooseNumberAuditAndStore() }
/// ```
package actor KeyedLock {
    private var held: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    package init() {}

    package func withLock<T: Sendable>(_ key: String, _ body: @Sendable () async throws -> T) async throws -> T {
        if held.contains(key) {
            // Woken by `release`, which hands the lock over without freeing it.
            await withCheckedContinuation { waiting[key, default: []].append($0) }
        } else {
            held.insert(key)
        }
        do {
            let result = try await body()
            release(key)
            return result
        } catch {
            release(key)
            throw error
        }
    }

    private func release(_ key: String) {
        guard var queue = waiting[key], !queue.isEmpty else {
            held.remove(key)
            return
        }
        let next = queue.removeFirst()
        waiting[key] = queue.isEmpty ? nil : queue
        next.resume()
    }
}
