import Crypto
import Foundation

/// Reads a file line by line in large chunks, hashing every byte as it goes.
///
/// Feeds can be gigabytes: nothing here holds more than one chunk (plus one partial line) in
/// memory. Lines end at `\n` (a preceding `\r` is dropped). The SHA-256 of the whole file is the
/// content hash that names the import and makes re-imports of the same file no-ops.
final class LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var exhausted = false
    private var hasher = SHA256()
    private let chunkSize: Int
    /// 1-based number of the line most recently returned.
    private(set) var lineNumber = 0

    init(url: URL, chunkSize: Int = 4 << 20) throws {
        self.handle = try FileHandle(forReadingFrom: url)
        self.chunkSize = chunkSize
    }

    deinit { try? handle.close() }

    /// Calls `body` with the next line's bytes (valid only during the call); `false` at end of file.
    func nextLine(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Bool {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                lineNumber += 1
                let lineStart = start
                start = newline + 1
                try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[lineStart..<end])) }
                return true
            }
            if exhausted {
                guard start < buffer.count else { return false }
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                lineNumber += 1
                let lineStart = start
                start = buffer.count
                try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[lineStart..<end])) }
                return true
            }
            try refill()
        }
    }

    /// The first bytes of the file, without consuming them (for format and encoding sniffing).
    func peek(_ count: Int) throws -> ArraySlice<UInt8> {
        while buffer.count - start < count, !exhausted { try refill() }
        return buffer[start..<min(buffer.count, start + count)]
    }

    func skip(_ count: Int) throws {
        _ = try peek(count)
        start = min(buffer.count, start + count)
    }

    /// Reads everything left (for a JSON array, which is not line-delimited).
    func readRest() throws -> [UInt8] {
        while !exhausted { try refill() }
        defer { start = buffer.count }
        return Array(buffer[start...])
    }

    /// Finishes hashing (reading anything left) and returns the lowercase hex SHA-256 of the file.
    func finish() throws -> String {
        while !exhausted { try refill() }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private func refill() throws {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = try handle.read(upToCount: chunkSize) ?? Data()
        if chunk.isEmpty {
            exhausted = true
            return
        }
        chunk.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        buffer.append(contentsOf: chunk)
    }
}
