import Foundation

/// Reads a receipt file without holding its body: the head first, then the body in blocks (a batch
/// job's results are hundreds of megabytes for 100,000 candidates, gigabytes for a million).
final class ReceiptReader {
    /// The receipt's request line, status and headers; its body is empty.
    let head: Receipt
    private let handle: FileHandle
    private var first: ArraySlice<UInt8>?
    static let blockSize = 4 << 20

    init(_ file: URL) throws {
        do { handle = try FileHandle(forReadingFrom: file) } catch {
            throw ReceiptError("cannot read \(file.path): \(error.localizedDescription)")
        }
        var bytes: [UInt8] = []
        var end: Int?
        while end == nil, let block = try handle.read(upToCount: 64 << 10), !block.isEmpty {
            let searchFrom = max(0, bytes.count - 1)
            bytes += block
            end = bytes[searchFrom...].indices.first { bytes[$0] == 0x0A && $0 + 1 < bytes.count && bytes[$0 + 1] == 0x0A }
        }
        guard let end else { throw ReceiptError("not a CreditGate receipt: no blank line ends its head") }
        head = try Receipt(bytes: Array(bytes[...(end + 1)]))
        first = bytes[(end + 2)...]
    }

    deinit { try? handle.close() }

    /// The next block of the body; nil at its end.
    func next() throws -> ArraySlice<UInt8>? {
        if let block = first {
            first = nil
            if !block.isEmpty { return block }
        }
        guard let data = try handle.read(upToCount: Self.blockSize), !data.isEmpty else { return nil }
        return Array(data)[...]
    }
}

/// Splits blocks of bytes into lines (without their `\n`), keeping a line cut between blocks.
struct LineSplitter {
    private var pending: [UInt8] = []

    mutating func feed(_ block: ArraySlice<UInt8>, _ line: (ArraySlice<UInt8>) throws -> Void) rethrows {
        var start = block.startIndex
        while let newline = block[start...].firstIndex(of: 0x0A) {
            if pending.isEmpty {
                try line(block[start..<newline])
            } else {
                pending += block[start..<newline]
                try line(pending[...])
                pending.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
        pending += block[start...]
    }

    /// The last line, when the content does not end with a line break.
    mutating func finish(_ line: (ArraySlice<UInt8>) throws -> Void) rethrows {
        if !pending.isEmpty { try line(pending[...]) }
        pending = []
    }
}
