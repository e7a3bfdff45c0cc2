import Foundation

/// A batch job's input as stored: the candidate lines of the uploaded NDJSON (blank lines skipped,
/// as ``LineChunks`` reads them), ``BatchJobRecord/chunkLines`` to a chunk, each chunk one blob of
/// lines separated by line feeds. Every backend stores and reads chunks this way.
///
/// ```swift
/// var chunks = try BatchInputChunks(file: upload)
/// while let (number, blob) = try chunks.next() { try insert(number, blob) }
/// let lines = BatchInputChunks.lines(blob)
/// ```
public struct BatchInputChunks {
    private var reader: LineChunks
    private var number = 0

    public init(file: URL) throws {
        reader = try LineChunks(file: file, offset: 0)
    }

    /// The next chunk's number and blob; `nil` after the last.
    public mutating func next() throws -> (number: Int, blob: Data)? {
        var blob: [UInt8] = []
        guard try reader.append(BatchJobRecord.chunkLines, to: &blob).lines > 0 else {
            reader.close()
            return nil
        }
        defer { number += 1 }
        // Stored without the last line's line feed.
        return (number, Data(blob.dropLast()))
    }

    /// The lines of a stored chunk, each a slice of the blob (not a copy), cut at ``LineChunks/lineFeed(in:from:)``:
    /// `Data.split` steps through the blob a byte at a time in generic code.
    public static func lines(_ blob: Data) -> [Data] {
        blob.withUnsafeBytes { bytes in
            var lines: [Data] = []
            var start = 0
            while let end = LineChunks.lineFeed(in: bytes, from: start) {
                lines.append(blob[(blob.startIndex + start)..<(blob.startIndex + end)])
                start = end + 1
            }
            lines.append(blob[(blob.startIndex + start)...])
            return lines
        }
    }
}
