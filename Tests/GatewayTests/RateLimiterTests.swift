@testable import Gateway
import Testing

/// The token bucket on a clock the test moves, so the figures are exact whatever the machine's speed.
@Suite("Rate limiter")
struct RateLimiterTests {
    @Test func aBurstIsAllowedThenTokensComeBackAtTheRate() {
        let limiter = RateLimiter(rate: 2, burst: 3)
        let start = ContinuousClock.now
        #expect((0..<3).map { _ in limiter.take(for: "a", now: start) } == [nil, nil, nil])
        #expect(limiter.take(for: "a", now: start) == 1)
        #expect(limiter.take(for: "b", now: start) == nil)
        #expect(limiter.take(for: "a", now: start + .milliseconds(499)) == 1)
        #expect(limiter.take(for: "a", now: start + .milliseconds(500)) == nil)
        #expect(limiter.take(for: "a", now: start + .milliseconds(500)) == 1)
        // A long pause refills only up to the burst.
        let later = start + .seconds(60)
        #expect((0..<4).map { _ in limiter.take(for: "a", now: later) } == [nil, nil, nil, 1])
    }

    @Test func retryAfterCountsWholeSecondsAtSlowRates() {
        let limiter = RateLimiter(rate: 1.0 / 60, burst: 1)
        let start = ContinuousClock.now
        #expect(limiter.take(for: "a", now: start) == nil)
        #expect(limiter.take(for: "a", now: start) == 60)
        #expect(limiter.take(for: "a", now: start + .seconds(30)) == 30)
    }
}
