import CreditCore
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a file line by line in large chunks, hashing every byte as it goes.
///
/// Feeds can be gigabytes: nothing here holds more than one chunk (plus one partial line) in
/// memory. Lines end at `\n` (a preceding `\r` is dropped). The SHA-256 of the whole file is the
/// content hash that names the import and makes re-imports of the same file no-ops.
package final class LineReader {
    private let descriptor: Int32
    /// Valid bytes are `buffer[start..<end]`; the array itself is allocated once.
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var exhausted = false
    private var hasher = SHA256()
    private let chunkSize: Int
    /// 1-based number of the line most recently returned by ``nextLine(_:)`` (blocks are not counted).
    private(set) var lineNumber = 0

    package init(url: URL, chunkSize: Int = 4 << 20) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw FeedError(reason: "cannot open \(url.path): \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        // A small file gets a chunk its size, not 8 MiB of zeroed buffer (a feed of a few corrections,
        // a candidate upload); a pipe, whose size is unknown, gets the full chunk.
        var status = stat()
        let isSmallFile = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG && Int(status.st_size) < chunkSize
        self.chunkSize = isSmallFile ? max(4096, Int(status.st_size) + 1) : chunkSize
        self.buffer = [UInt8](repeating: 0, count: self.chunkSize * 2)
    }

    deinit { close(descriptor) }

    /// Calls `body` with the next line's bytes (valid only during the call); `false` at end of file.
    package func nextLine(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Bool {
        while true {
            let found = buffer.withUnsafeBufferPointer { Self.line(in: UnsafeBufferPointer(rebasing: $0[start..<end]), final: exhausted) }
            if let (line, next) = found {
                lineNumber += 1
                let lineStart = start
                start += next
                try buffer.withUnsafeBufferPointer {
                    try body(UnsafeBufferPointer(rebasing: $0[(lineStart + line.lowerBound)..<(lineStart + line.upperBound)]))
                }
                return true
            }
            if exhausted { return false }
            try refill()
        }
    }

    /// Whole lines, as many as the next chunk holds (or the rest of the file), for readers that
    /// split them elsewhere (``ImportPipeline`` parses blocks on several threads). `nil` at the end.
    /// Lines are not counted here: whoever splits a block numbers its lines, and a block's place in
    /// the file follows from the counts of the blocks before it.
    package func nextBlock() throws -> LineBlock? {
        while true {
            let last = buffer.withUnsafeBufferPointer { bytes in
                (start..<end).reversed().first { bytes[$0] == 0x0A }
            }
            if last != nil || (exhausted && start < end) {
                let blockEnd = last.map { $0 + 1 } ?? end
                defer { start = blockEnd }
                return LineBlock(bytes: Array(buffer[start..<blockEnd]))
            }
            if exhausted { return nil }
            try refill()
        }
    }

    /// The first line of `bytes` (without its `\n` or `\r\n`) and where the next one starts; at
    /// the end of the file (`final`) the rest is a line even without a line feed. One definition
    /// for ``nextLine(_:)`` and ``LineBlock``.
    package static func line(in bytes: UnsafeBufferPointer<UInt8>, final: Bool) -> (line: Range<Int>, next: Int)? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        // memchr: several times faster than a byte loop over long lines.
        var end: Int
        let next: Int
        if let found = memchr(base, 0x0A, bytes.count) {
            end = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            next = end + 1
        } else if final {
            end = bytes.count
            next = end
        } else {
            return nil
        }
        if end > 0, bytes[end - 1] == 0x0D { end -= 1 }
        return (0..<end, next)
    }

    /// The first bytes of the file, without consuming them (for format and encoding sniffing).
    package func peek(_ count: Int) throws -> ArraySlice<UInt8> {
        while end - start < count, !exhausted { try refill() }
        return buffer[start..<min(end, start + count)]
    }

    package func skip(_ count: Int) throws {
        _ = try peek(count)
        start = min(end, start + count)
    }

    /// Reads everything left (for a JSON array, which is not line-delimited).
    package func readRest() throws -> [UInt8] {
        while !exhausted { try refill() }
        defer { start = end }
        return Array(buffer[start..<end])
    }

    /// Finishes hashing (reading anything left) and returns the lowercase hex SHA-256 of the file.
    package func finish() throws -> String {
        while !exhausted { try refill() }
        return Hex.lowercase(hasher.finalize())
    }

    /// Moves the unread bytes to the front (a partial line, usually short), grows the buffer only
    /// for a line longer than a chunk, and reads the next chunk straight into it.
    private func refill() throws {
        if start > 0 {
            buffer.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                memmove(base, base + start, end - start)
            }
            end -= start
            start = 0
        }
        if buffer.count - end < chunkSize { buffer.append(contentsOf: repeatElement(0, count: chunkSize)) }
        let count = buffer.withUnsafeMutableBytes { raw in
            read(descriptor, raw.baseAddress! + end, chunkSize)
        }
        guard count >= 0 else { throw FeedError(reason: "read failed: \(String(cString: strerror(errno)))") }
        if count == 0 {
            exhausted = true
            return
        }
        buffer.withUnsafeBytes { raw in hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: raw[end..<(end + count)])) }
        end += count
    }
}

/// Whole lines of a feed, cut by ``LineReader/nextBlock()``.
package struct LineBlock: Sendable {
    package let bytes: [UInt8]

    /// Calls `body` with each line's number within the block (from 1) and bytes (valid only during
    /// the call); returns the number of lines.
    @discardableResult
    package func forEachLine(_ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows -> Int {
        try bytes.withUnsafeBufferPointer { all in
            var offset = 0
            var number = 0
            while let (line, next) = LineReader.line(in: UnsafeBufferPointer(rebasing: all[offset...]), final: true) {
                number += 1
                try body(number, UnsafeBufferPointer(rebasing: all[(offset + line.lowerBound)..<(offset + line.upperBound)]))
                offset += next
            }
            return number
        }
    }
}
