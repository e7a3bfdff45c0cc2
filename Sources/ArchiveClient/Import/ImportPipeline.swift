import CreditCore
import Foundation

/// Splits an import over two threads: one reads, parses, validates and encodes the feed; the other
/// (the database writer) stores what it is given. On two cores this nearly halves an import.
///
/// The reading side runs on a thread of its own and hands batches over through a bounded queue, so
/// memory stays flat however large the feed. If the writer stops (an error, a strict refusal) it
/// cancels the queue and the reader ends at its next hand-over.
final class ImportPipeline<Encoded: Sendable>: @unchecked Sendable {
    enum Item: Sendable {
        case encoded(Encoded)
        case issue(ImportIssue)
    }

    enum Message: Sendable {
        case opened(format: FeedFormat, encoding: CSV.Encoding?)
        case items([Item])
        case finished(contentHash: String)
        case failed(any Error)
    }

    // The queue is guarded by `condition`; that is what makes the unchecked Sendable sound.
    private let condition = NSCondition()
    private var queue: [Message] = []
    private var cancelled = false
    private let capacity = 8
    static var batchSize: Int { 2048 }

    /// Starts the reading thread. `encode` runs on it and only on it.
    func start(
        url: URL, schema: FieldSchema, format: FeedFormat?,
        encode: @escaping @Sendable (FieldRow) -> Result<Encoded, ImportIssue>
    ) {
        let thread = Thread { [self] in
            do {
                var reader = try FeedReader(url: url, schema: schema, format: format)
                guard send(.opened(format: reader.format, encoding: reader.csvEncodingUsed)) else { return }
                var row = FieldRow(fieldCount: schema.fields.count)
                var batch: [Item] = []
                batch.reserveCapacity(Self.batchSize)
                while let item = try reader.next(into: &row) {
                    switch item {
                    case .row:
                        switch encode(row) {
                        case .success(let encoded): batch.append(.encoded(encoded))
                        case .failure(let issue): batch.append(.issue(issue))
                        }
                    case .bad(let line, let reason):
                        batch.append(.issue(ImportIssue(line: line, field: nil, code: "feed.syntax", reason: reason)))
                    }
                    if batch.count == Self.batchSize {
                        guard send(.items(batch)) else { return }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { guard send(.items(batch)) else { return } }
                _ = send(.finished(contentHash: try reader.finish()))
            } catch {
                _ = send(.failed(error))
            }
        }
        thread.name = "feed-reader"
        thread.start()
    }

    /// Queues a message, waiting while the queue is full; `false` once the writer has cancelled.
    private func send(_ message: Message) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity, !cancelled { condition.wait() }
        guard !cancelled else { return false }
        queue.append(message)
        condition.broadcast()
        return true
    }

    /// The next message, waiting for one.
    func receive() -> Message {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty { condition.wait() }
        let message = queue.removeFirst()
        condition.broadcast()
        return message
    }

    /// Tells the reading thread to stop.
    func cancel() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
