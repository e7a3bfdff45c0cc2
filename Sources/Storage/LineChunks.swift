import Foundation

/// Lines of a file read a block at a time, from a byte offset, a chunk of lines per call: a batch
/// job's input of a million lines is never in memory whole. Blank lines are skipped (their bytes
/// still count toward the offset).
///
/// ```swift
/// var chunks = try LineChunks(file: upload, offset: 0)
/// defer { chunks.close() }
/// var blob: [UInt8] = []
/// while try chunks.append(2000, to: &blob).lines > 0 { store(blob); blob = [] }
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

    /// Up to `count` non-empty lines (without their CRs) appended to `blob`, each followed by a
    /// line feed; how many there were and the bytes consumed to read them. Each line is copied
    /// once, into the chunk it goes to: collecting lines and then joining them copied each twice,
    /// the join a byte at a time (6% of the samples while a million-line upload was stored). An
    /// array, not `Data`: appending to `Data` checks exclusive access in Foundation at every line.
    public mutating func append(_ count: Int, to blob: inout [UInt8]) throws -> (lines: Int, bytes: Int) {
        var lines = 0
        var consumed = 0
        func take(_ line: ArraySlice<UInt8>) {
            guard line.contains(where: Self.isContent) else { return }
            blob.append(contentsOf: line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
            blob.append(UInt8(ascii: "\n"))
            lines += 1
        }
        while lines < count {
            if let newline = buffer.withUnsafeBytes({ Self.lineFeed(in: $0, from: start) }) {
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
        return (lines, consumed)
    }

    /// The index of the first line feed in `bytes` at or after `start`, found with `memchr`: the one
    /// search for line ends of a job's lines, as they are read here, counted as they arrive
    /// (``Uploads``) and cut out of a stored chunk (``BatchInputChunks``).
    public static func lineFeed(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress,
              let found = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}
