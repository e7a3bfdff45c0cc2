import Synchronization

/// When a person last asked for a check (a single check or an inline batch), so that batch jobs can
/// leave them room: while people are checking, a job works at most half the time (``BatchRunner``).
package final class InteractiveActivity: Sendable {
    private let lastSeen = Mutex<ContinuousClock.Instant?>(nil)

    package init() {}

    /// A check is being answered.
    func touch() { lastSeen.withLock { $0 = .now } }

    /// Whether a check was being answered within `window`.
    func seen(within window: Duration) -> Bool {
        lastSeen.withLock { last in last.map { .now - $0 <= window } ?? false }
    }
}
