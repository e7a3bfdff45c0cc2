import ServiceLifecycle

/// How a background service (batch jobs, watch screening) knows to look for work: when told
/// (``notify()``: a job queued, an import made here), and every `tick`, since work made elsewhere
/// (another gateway, a lease expiring) announces itself to nobody. Notices that come while the
/// service is busy fold into one.
struct Wakeups: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    let tick: Duration

    init(tick: Duration) {
        self.tick = tick
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func notify() { continuation.yield() }

    /// Runs `work` now, and again at each notice or tick, until the service is asked to shut down.
    func run(_ work: @Sendable () async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [continuation, tick] in
                while (try? await Task.sleep(for: tick)) != nil { continuation.yield() }
            }
            var signals = stream.cancelOnGracefulShutdown().makeAsyncIterator()
            repeat {
                await work()
            } while await signals.next() != nil
            group.cancelAll()
        }
    }
}
