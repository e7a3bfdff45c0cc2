import Synchronization

/// When a person last asked for a check (a single check or an inline batch), so that batch jobs can
/// leave them room: while people are checking, a job works at most half the time (``BatchRunner``).
package final class InteractiveActivity: Sendable {
    private let lastSeen = Atomic<Int64>(.min)
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    package init() { start = clock.now }

    private var now: Int64 {
        let elapsed = clock.now - start
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }

    /// A check is being answered.
    func touch() { lastSeen.store(now, ordering: .relaxed) }

    /// Whether a check was being answered within `window`.
    func seen(within window: Duration) -> Bool {
        let last = lastSeen.load(ordering: .relaxed)
        guard last != .min else { return false }
        return now - last <= window.components.seconds * 1_000_000_000 + window.components.attoseconds / 1_000_000_000
    }
}
