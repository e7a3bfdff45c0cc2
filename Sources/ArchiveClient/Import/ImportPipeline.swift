import CreditCore
import Foundation

/// Splits an import over threads: the database writer stores what the others read, parse,
/// validate and encode.
///
/// - An NDJSON feed (the format of large feeds) is read and hashed by one thread, which cuts it
///   into blocks of whole lines; one parser per core parses, validates and encodes blocks, and the
///   blocks reach the writer in file order. On two cores this keeps both busy: neither reading
///   nor storing alone waits for the other.
/// - CSV (a quoted field may span lines) and a JSON array (one value) are read, parsed and encoded
///   by the one reading thread.
///
/// Hand-over is bounded, so memory stays flat however large the feed. If the writer stops (an
/// error, a strict refusal) it cancels, and the other threads end at their next hand-over.
package final class ImportPipeline<Encoded: Sendable>: @unchecked Sendable {
    package enum Item: Sendable {
        case encoded(Encoded)
        case issue(ImportIssue)
    }

    package enum Message: Sendable {
        case opened(format: FeedFormat, encoding: CSV.Encoding?)
        case items([Item])
        case finished(contentHash: String)
        case failed(any Error)
    }

    // Everything below is guarded by `condition`; that is what makes the unchecked Sendable sound.
    private let condition = NSCondition()
    /// Messages for the writer, in order.
    private var queue: [Message] = []
    private var cancelled = false
    private let capacity = 8
    /// NDJSON blocks not yet taken by a parser, with their place in the file.
    private var blocks: [(sequence: Int, block: LineBlock)] = []
    /// Parsed blocks waiting for the ones before them, with their line counts.
    private var parsed: [Int: (items: [Item], lines: Int)] = [:]
    private var submitted = 0
    private var delivered = 0
    /// Lines in the blocks delivered so far: the next block's lines come after them.
    private var linesDelivered = 0
    private var reading = true

    package init() {}
    package static var batchSize: Int { 2048 }

    /// Starts the reading thread (and, for NDJSON, the parsers). `encode` may run on several
    /// threads at once.
    package func start(
        url: URL, schema: FieldSchema, format: FeedFormat?,
        encode: @escaping @Sendable (FieldRow) -> Result<Encoded, ImportIssue>
    ) {
        let thread = Thread { [self] in
            defer { endOfBlocks() }
            do {
                var reader = try FeedReader(url: url, schema: schema, format: format)
                guard send(.opened(format: reader.format, encoding: reader.csvEncodingUsed)) else { return }
                if reader.format == .ndjson {
                    for index in 0..<max(1, ProcessInfo.processInfo.activeProcessorCount) {
                        let parser = Thread { [self] in parseBlocks(schema: schema, encode: encode) }
                        parser.name = "feed-parser-\(index)"
                        parser.start()
                    }
                    while let block = try reader.nextNDJSONBlock() {
                        guard submit(block) else { return }
                    }
                    let hash = try reader.finish()
                    guard allDelivered() else { return }
                    _ = send(.finished(contentHash: hash))
                    return
                }
                var row = FieldRow(fieldCount: schema.fields.count)
                var batch: [Item] = []
                batch.reserveCapacity(Self.batchSize)
                while let read = try reader.next(into: &row) {
                    batch.append(Self.item(read, row, encode))
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

    private static func item(_ read: FeedItem, _ row: FieldRow, _ encode: (FieldRow) -> Result<Encoded, ImportIssue>) -> Item {
        switch read {
        case .row:
            switch encode(row) {
            case .success(let encoded): .encoded(encoded)
            case .failure(let issue): .issue(issue)
            }
        case .bad(let line, let reason):
            .issue(ImportIssue(line: line, field: nil, code: "feed.syntax", reason: reason))
        }
    }

    /// A parser thread: takes blocks until the reader is done with the file (or the writer cancels).
    private func parseBlocks(schema: FieldSchema, encode: (FieldRow) -> Result<Encoded, ImportIssue>) {
        var row = FieldRow(fieldCount: schema.fields.count)
        while let (sequence, block) = takeBlock() {
            var items: [Item] = []
            // Numbered within the block; `deliver` moves the issues' numbers to the file's.
            let lines = block.forEachLine { number, line in
                if let read = FeedReader.parseNDJSON(line, number: number, schema: schema, into: &row) {
                    items.append(Self.item(read, row, encode))
                }
            }
            guard deliver(items, lines: lines, sequence: sequence) else { return }
        }
    }

    /// Queues a block for the parsers, waiting while enough work is in flight; `false` once the
    /// writer has cancelled.
    private func submit(_ block: LineBlock) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while submitted - delivered >= capacity || queue.count >= capacity, !cancelled { condition.wait() }
        guard !cancelled else { return false }
        blocks.append((submitted, block))
        submitted += 1
        condition.broadcast()
        return true
    }

    private func takeBlock() -> (Int, LineBlock)? {
        condition.lock()
        defer { condition.unlock() }
        while blocks.isEmpty, reading, !cancelled { condition.wait() }
        guard !cancelled, !blocks.isEmpty else { return nil }
        return blocks.removeFirst()
    }

    /// Hands a parsed block over, then every block now next in file order to the writer, its issues
    /// numbered by their line in the file.
    private func deliver(_ items: [Item], lines: Int, sequence: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !cancelled else { return false }
        parsed[sequence] = (items, lines)
        while var next = parsed.removeValue(forKey: delivered) {
            for index in next.items.indices {
                if case .issue(var issue) = next.items[index] {
                    issue.line += linesDelivered
                    next.items[index] = .issue(issue)
                }
            }
            queue.append(.items(next.items))
            linesDelivered += next.lines
            delivered += 1
        }
        condition.broadcast()
        return true
    }

    /// Waits until every submitted block has reached the writer's queue; `false` if cancelled.
    private func allDelivered() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while delivered < submitted, !cancelled { condition.wait() }
        return !cancelled
    }

    /// Tells idle parsers that no more blocks will come.
    private func endOfBlocks() {
        condition.lock()
        reading = false
        condition.broadcast()
        condition.unlock()
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
    package func receive() -> Message {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty { condition.wait() }
        let message = queue.removeFirst()
        condition.broadcast()
        return message
    }

    /// Tells the reading thread and the parsers to stop.
    package func cancel() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        blocks.removeAll()
        parsed.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
