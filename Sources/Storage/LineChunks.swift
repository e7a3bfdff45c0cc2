import Foundation

/// Lines of a file read a block at a time, from a byte offset, a chunk of lines per call: a batch
/// job's input of a million lines is never in memory whole. Blank lines are skipped (their bytes
/// still count toward the offset).
///
/// ```swift
/// var chunks = try LineChunks(file: upload, offset: 0)
/// defer { chunks.close() }
/// while case let (lines, _) = try chunks.next(2000), !lines.isEmpty { store(lines) }
/// ```
public struct LineChunks {
    /// Whether a byte makes its line a candidate line: a line of nothing but CRs is blank. The one
    /// rule for reading a job's lines here and for counting them as the upload arrives (``Uploads``).
    public static func isContent(_ byte: UInt8) -> Bool { byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "\r") }

    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var ended = false

    public init(file: URL, offset: Int) throws {
        handle = try FileHandle(forReadingFrom: file)
        try handle.seek(toOffset: UInt64(offset))
    }

    public func close() { try? handle.close() }

    /// Up to `count` non-empty lines, and the bytes consumed to read them.
    public mutating func next(_ count: Int) throws -> (lines: [ArraySlice<UInt8>], bytes: Int) {
        var lines: [ArraySlice<UInt8>] = []
        var consumed = 0
        func take(_ line: ArraySlice<UInt8>) {
            guard line.contains(where: Self.isContent) else { return }
            lines.append(line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
        }
        while lines.count < count {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                take(buffer[start..<newline])
                consumed += newline + 1 - start
                start = newline + 1
                continue
            }
            if ended {
                // A last line without a newline.
                if start < buffer.count {
                    take(buffer[start...])
                    consumed += buffer.count - start
                    start = buffer.count
                }
                break
            }
            buffer.removeFirst(start)
            start = 0
            if let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
                buffer.append(contentsOf: block)
            } else {
                ended = true
            }
        }
        // Detached from the buffer, which the next call rearranges.
        return (lines.map { ArraySlice(Array($0)) }, consumed)
    }
}
