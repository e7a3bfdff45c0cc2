import CreditCore
import Foundation

/// The file formats a feed can come in.
public enum FeedFormat: String, Sendable, CaseIterable {
    /// One JSON object per line.
    case ndjson
    /// A JSON array of objects.
    case json
    /// Comma-separated, a header row naming the fields; UTF-8 (with or without BOM) or GB18030.
    case csv

    /// From the file extension, else from the first non-blank byte (`[` array, `{` NDJSON, else CSV).
    package static func detect(url: URL, firstBytes: ArraySlice<UInt8>) -> FeedFormat {
        switch url.pathExtension.lowercased() {
        case "ndjson", "jsonl": return .ndjson
        case "json": return .json
        case "csv": return .csv
        default: break
        }
        let bytes = firstBytes.starts(with: [0xEF, 0xBB, 0xBF]) ? firstBytes.dropFirst(3) : firstBytes
        switch bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) {
        case UInt8(ascii: "["): return .json
        case UInt8(ascii: "{"): return .ndjson
        default: return .csv
        }
    }
}

/// What reading the next item of a feed gave: a row (now in the caller's ``FieldRow``), or a line
/// that could not be read.
package enum FeedItem {
    case row
    case bad(line: Int, reason: String)
}

/// Reads any ``FeedFormat`` into rows of a ``FieldSchema``, streaming (except a JSON array, which is
/// read whole: use NDJSON for large feeds).
package struct FeedReader {
    package let format: FeedFormat
    private let lines: LineReader
    private let schema: FieldSchema
    private var csvEncoding = CSV.Encoding.utf8
    private var csvColumns: [Int?] = []
    private var jsonArray: (bytes: [UInt8], position: Int, line: Int, lineCountedTo: Int)?
    private(set) var csvEncodingUsed: CSV.Encoding?

    package init(url: URL, schema: FieldSchema, format: FeedFormat? = nil) throws {
        let lines = try LineReader(url: url)
        let head = try lines.peek(64 << 10)
        let format = format ?? FeedFormat.detect(url: url, firstBytes: head)
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { try lines.skip(3) }
        self.format = format
        self.schema = schema
        switch format {
        case .csv:
            csvEncoding = CSV.Encoding.sniff(try lines.peek(64 << 10))
            csvEncodingUsed = csvEncoding
        case .json:
            jsonArray = (try lines.readRest(), 0, 1, 0)
        case .ndjson:
            break
        }
        self.lines = lines
        if format == .csv { try readHeader() }
    }

    /// The SHA-256 (hex) of the whole file.
    package func finish() throws -> String { try lines.finish() }

    /// Reads the next item of a CSV feed or JSON array into `row`; `nil` at the end of the feed.
    /// NDJSON is read in blocks (``nextNDJSONBlock()``), which ``ImportPipeline`` parses in parallel.
    package mutating func next(into row: inout FieldRow) throws -> FeedItem? {
        switch format {
        case .ndjson: preconditionFailure("NDJSON is read with nextNDJSONBlock()")
        case .json: return nextArrayElement(into: &row)
        case .csv: return try nextCSV(into: &row)
        }
    }

    // MARK: NDJSON

    /// The next NDJSON lines, whole, for parsing elsewhere with ``parseNDJSON(_:number:schema:into:)``.
    package func nextNDJSONBlock() throws -> LineBlock? {
        precondition(format == .ndjson)
        return try lines.nextBlock()
    }

    /// One NDJSON line into `row`; `nil` for a blank line.
    package static func parseNDJSON(_ line: UnsafeBufferPointer<UInt8>, number: Int, schema: FieldSchema, into row: inout FieldRow) -> FeedItem? {
        let start = FlatJSON.skipWhitespace(line, 0)
        guard start < line.count else { return nil }
        row.reset(line: number)
        do {
            let end = try FlatJSON.parseObject(line, from: start, schema: schema, into: &row)
            guard FlatJSON.skipWhitespace(line, end) == line.count else { return .bad(line: number, reason: "text after the JSON object") }
            return .row
        } catch {
            return .bad(line: number, reason: "malformed JSON: \(error.reason)")
        }
    }

    // MARK: JSON array

    private mutating func nextArrayElement(into row: inout FieldRow) -> FeedItem? {
        guard var state = jsonArray else { return nil }
        // Once at the end (or past a broken element) the array is done: an empty file, whose end
        // is also its start, must not be read again from the top.
        defer { jsonArray = state.position < state.bytes.count ? state : nil }
        return state.bytes.withUnsafeBufferPointer { bytes -> FeedItem? in
            var i = FlatJSON.skipWhitespace(bytes, state.position)
            if state.position == 0 {
                guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else {
                    state.position = bytes.count
                    return .bad(line: 1, reason: "malformed JSON: expected an array")
                }
                i = FlatJSON.skipWhitespace(bytes, i + 1)
            } else if i < bytes.count, bytes[i] == UInt8(ascii: ",") {
                i = FlatJSON.skipWhitespace(bytes, i + 1)
            }
            guard i < bytes.count, bytes[i] != UInt8(ascii: "]") else {
                state.position = bytes.count
                return nil
            }
            // Line numbers are counted lazily, only as far as the current element.
            for k in state.lineCountedTo..<i where bytes[k] == 0x0A { state.line += 1 }
            state.lineCountedTo = i
            row.reset(line: state.line)
            do {
                state.position = try FlatJSON.parseObject(bytes, from: i, schema: schema, into: &row)
                return .row
            } catch let error as FlatJSON.SyntaxError {
                // A broken element leaves no reliable place to resume: report it and stop.
                state.position = bytes.count
                return .bad(line: state.line, reason: "malformed JSON: \(error.reason); the rest of the array was not read")
            } catch {
                state.position = bytes.count
                return .bad(line: state.line, reason: "malformed JSON; the rest of the array was not read")
            }
        }
    }

    // MARK: CSV

    private mutating func readHeader() throws {
        guard let header = try nextCSVRecord() else { return }
        guard case .success(let names) = header.fields else {
            throw FeedError(reason: "line 1: the CSV header is not readable as \(csvEncoding.rawValue)")
        }
        csvColumns = names.map { schema.index(of: $0.trimmingCharacters(in: .whitespaces)) }
    }

    private mutating func nextCSV(into row: inout FieldRow) throws -> FeedItem? {
        while let record = try nextCSVRecord() {
            switch record.fields {
            case .failure(let failure):
                return .bad(line: record.line, reason: failure.reason)
            case .success(let texts):
                if texts.count == 1, texts[0].isEmpty { continue }
                row.reset(line: record.line)
                for (column, text) in texts.enumerated() where column < csvColumns.count {
                    if let field = csvColumns[column] { row.set(field, text) }
                }
                return .row
            }
        }
        return nil
    }

    /// The next record's decoded fields; a quoted field may span lines.
    private mutating func nextCSVRecord() throws -> (line: Int, fields: Result<[String], CSVFailure>)? {
        var pending: [UInt8] = []
        var firstLine = 0
        while true {
            var fields: [[UInt8]]?
            let more = try lines.nextLine { line in
                if pending.isEmpty, firstLine == 0 {
                    fields = CSV.split(line)
                    if fields == nil { pending.append(contentsOf: line) }
                } else {
                    pending.append(0x0A)
                    pending.append(contentsOf: line)
                    fields = pending.withUnsafeBufferPointer { CSV.split($0) }
                }
            }
            if firstLine == 0 { firstLine = lines.lineNumber }
            if !more {
                guard !pending.isEmpty else { return nil }
                return (firstLine, .failure(CSVFailure("a quoted field is never closed")))
            }
            guard let fields else { continue }
            var texts: [String] = []
            texts.reserveCapacity(fields.count)
            for (column, bytes) in fields.enumerated() {
                guard let text = csvEncoding.decode(bytes) else {
                    return (firstLine, .failure(CSVFailure("column \(column + 1) is not valid \(csvEncoding.rawValue)")))
                }
                texts.append(text)
            }
            return (firstLine, .success(texts))
        }
    }
}

package struct CSVFailure: Error {
    package var reason: String
    package init(_ reason: String) { self.reason = reason }
}

/// A feed that cannot be read at all (as opposed to a bad line, which is reported and skipped).
public struct FeedError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
