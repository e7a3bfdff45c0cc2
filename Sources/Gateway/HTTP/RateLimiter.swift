import NIOConcurrencyHelpers

/// A token bucket per client: `rate` requests a second on average, bursts up to `burst`.
///
/// One lock around a dictionary of small values: a refill is a multiply and a compare, far below
/// the cost of the request it guards.
package final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let rate: Double
    let burst: Double
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])

    package init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = max(1, burst)
    }

    /// Takes a token for `client`; when none is left, the seconds until one will be.
    package func take(for client: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLockedValue { buckets in
            var bucket = buckets[client] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * rate)
            bucket.updated = now
            defer { buckets[client] = bucket }
            guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up))) }
            bucket.tokens -= 1
            return nil
        }
    }
}
