import Dispatch

/// File writes and syncs, which block their thread: run on Dispatch's threads, never on one of
/// Swift's cooperative threads, which every request shares (two on a two-core machine). A large
/// upload's final sync alone can take a second.
enum BlockingIO {
    private static let queue = DispatchQueue(label: "creditgate.blocking-io", qos: .utility, attributes: .concurrent)

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
