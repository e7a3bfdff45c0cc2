import ArchiveClient
import CreditCore
import Foundation
import NIOCore
import PostgresNIO

extension PostgresArchive {
    public func importDefaulters(from file: URL, options: ImportOptions) async throws -> ImportReport {
        let today = options.today ?? ChinaTime.today
        return try await runImport(.defaulters, file: file, options: options) { connection, sequence in
            var existing: [(id: Int64, text: [UInt8])] = []
            for try await (id, text) in try await connection.query("SELECT id, text FROM texts", logger: engine.logger).decode((Int64, String).self) {
                existing.append((id, Array(text.utf8)))
            }
            let encoder = DefaulterEncoder(today: today, interner: TextInterner(existing: existing))
            let pipeline = ImportPipeline<DefaulterFeed.Encoded>()
            pipeline.start(url: file, schema: DefaulterFeed.schema, format: options.format, encode: encoder.encode)
            defer { pipeline.cancel() }
            // A first load builds the lookup indexes once, after the rows: a sorted build is several
            // times faster than millions of index inserts.
            let bulk = try await connection.query("SELECT NOT EXISTS (SELECT 1 FROM defaulter_events)", logger: engine.logger)
                .collect().first?.decode(Bool.self) ?? false
            if bulk {
                try await connection.query("DROP INDEX defaulter_events_match", logger: engine.logger)
                try await connection.query("DROP INDEX defaulter_events_entry", logger: engine.logger)
            }
            var tally = ImportTally()
            var newTexts: [(id: Int64, text: [UInt8])] = []
            var shapes: Set<UInt32> = []
            try await connection.copyFrom(
                table: "defaulter_events", columns: ["import_seq", "op", "effective_day", "entry_key", "match_key", "detail"], logger: engine.logger
            ) { writer in
                var rows = CopyRows()
                while !tally.isFinished {
                    for line in try tally.take(await pipeline.next(), options: options) {
                        newTexts += line.newTexts
                        if let shape = line.maskShape { shapes.insert(shape) }
                        rows.integer(sequence)
                        rows.integer(Int64(DefaulterOperation.allCases.firstIndex(of: line.operation) ?? 0))
                        rows.integer(Int64(line.effectiveDay))
                        rows.integer(line.entryKey)
                        rows.integer(line.matchKey)
                        rows.bytes(line.detail, last: true)
                    }
                    try await rows.flush(to: writer, atLeast: 1 << 20)
                }
                try await rows.flush(to: writer, atLeast: 0)
            }
            for batch in stride(from: 0, to: newTexts.count, by: 5000).map({ newTexts[$0..<min($0 + 5000, newTexts.count)] }) {
                try await connection.query("""
                    INSERT INTO texts (id, text) SELECT * FROM unnest(\(batch.map(\.id))::bigint[], \(batch.map { String(decoding: $0.text, as: UTF8.self) })::text[])
                    """, logger: engine.logger)
            }
            try await connection.query("""
                INSERT INTO mask_shapes (shape) SELECT * FROM unnest(\(shapes.map(Int64.init))::bigint[]) ON CONFLICT DO NOTHING
                """, logger: engine.logger)
            if bulk {
                try await connection.query("SET LOCAL maintenance_work_mem = '256MB'", logger: engine.logger)
                for statement in PostgresSchema.defaulterIndexes {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: engine.logger)
                }
                // Statistics now, not when autovacuum comes round: without them the first lookups
                // are planned blind, and a key list of ten was seen to take seconds.
                try await connection.query("ANALYZE defaulter_events, texts, mask_shapes", logger: engine.logger)
            }
            return tally
        }
    }

    public func importRecords(from file: URL, options: ImportOptions) async throws -> ImportReport {
        let today = options.today ?? ChinaTime.today
        let taxonomy = self.taxonomy
        return try await runImport(.records, file: file, options: options) { connection, sequence in
            let pipeline = ImportPipeline<RecordFeed.Line>()
            pipeline.start(url: file, schema: RecordFeed.schema, format: options.format) { RecordFeed.validate($0, today: today, taxonomy: taxonomy) }
            defer { pipeline.cancel() }
            var tally = ImportTally()
            try await connection.copyFrom(table: "record_events", columns: [
                "import_seq", "op", "effective_day", "record_key", "record_id", "id_key", "name", "category", "kind", "sanction", "severity",
                "decided_day", "effective_until_day", "permanent", "issuer", "document_number", "summary",
            ], logger: engine.logger) { writer in
                var rows = CopyRows()
                while !tally.isFinished {
                    for line in try tally.take(await pipeline.next(), options: options) {
                        let record = line.record
                        rows.integer(sequence)
                        rows.integer(Int64(RecordOperation.allCases.firstIndex(of: line.operation) ?? 0))
                        rows.integer(Int64(line.effectiveOn.dayNumber))
                        rows.integer(DishonestyRecord.recordKey(for: line.recordID))
                        rows.text(line.recordID)
                        rows.integer(record?.residentID.integerKey)
                        rows.text(record?.name)
                        rows.text(record?.category)
                        rows.text(record?.kind.rawValue)
                        rows.text(record?.sanction?.rawValue)
                        rows.text(record?.severity.rawValue)
                        rows.integer(record.map { Int64($0.decidedOn.dayNumber) })
                        rows.integer(record?.effectiveUntil.map { Int64($0.dayNumber) })
                        rows.text(record.map { $0.permanent ? "t" : "f" })
                        rows.text(record?.issuer)
                        rows.text(record?.documentNumber)
                        rows.text(record?.summary, last: true)
                    }
                    try await rows.flush(to: writer, atLeast: 1 << 20)
                }
                try await rows.flush(to: writer, atLeast: 0)
            }
            return tally
        }
    }

    /// The steps every import shares: one transaction, serialised with every other writer's
    /// imports; the next version; the lines stored by `store`; the import recorded under the
    /// file's SHA-256, or rolled back if those exact bytes were imported before.
    private func runImport(
        _ kind: ImportReport.Kind, file: URL, options: ImportOptions,
        store: @escaping @Sendable (PostgresConnection, Int64) async throws -> ImportTally
    ) async throws -> ImportReport {
        let started = Date()
        let source = options.sourceName ?? file.lastPathComponent
        do {
            return try await engine.transaction { connection in
                let lock = "creditgate.archive.import.\(engine.schema)"
                try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lock)))", logger: engine.logger)
                let sequence = try await connection.query("SELECT COALESCE(MAX(seq), 0) + 1 FROM imports", logger: engine.logger)
                    .collect().first?.decode(Int64.self) ?? 1
                let tally = try await store(connection, sequence)
                let contentHash = tally.contentHash ?? ""
                for try await existing in try await connection.query("""
                    SELECT seq FROM imports WHERE kind = \(kind.rawValue) AND content_hash = \(contentHash)
                    """, logger: engine.logger).decode(Int64.self) {
                    throw AlreadyImported(sequence: existing, hash: contentHash, format: tally.format.rawValue)
                }
                try await connection.query("""
                    INSERT INTO imports (seq, kind, source, content_hash, format, imported_at, accepted, rejected)
                    VALUES (\(sequence), \(kind.rawValue), \(source), \(contentHash), \(tally.format.rawValue), \(Date().timeIntervalSince1970),
                            \(Int64(tally.accepted)), \(Int64(tally.rejected)))
                    """, logger: engine.logger)
                try await connection.query(PostgresQuery(unsafeSQL: Self.recordHead), logger: engine.logger)
                return tally.report(kind, sequence: sequence, seconds: Date().timeIntervalSince(started))
            }
        } catch let repeated as AlreadyImported {
            return repeated.report(kind, seconds: Date().timeIntervalSince(started))
        }
    }
}

/// Rows in `COPY … FROM STDIN` text format: columns separated by tabs, `\N` for null, backslash
/// escapes in text, `bytea` as `\\x` and hex digits.
struct CopyRows: Sendable {
    private var buffer = ByteBuffer()
    private static let hex = Array("0123456789abcdef".utf8)

    mutating func integer(_ value: Int64?, last: Bool = false) {
        if let value { buffer.writeString(String(value)) } else { buffer.writeStaticString("\\N") }
        end(last)
    }

    mutating func text(_ value: String?, last: Bool = false) {
        guard let value else {
            buffer.writeStaticString("\\N")
            return end(last)
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
        end(last)
    }

    mutating func bytes(_ value: [UInt8], last: Bool = false) {
        buffer.writeStaticString("\\\\x")
        buffer.reserveCapacity(minimumWritableBytes: value.count * 2)
        for byte in value {
            buffer.writeInteger(Self.hex[Int(byte >> 4)])
            buffer.writeInteger(Self.hex[Int(byte & 0x0f)])
        }
        end(last)
    }

    private mutating func end(_ last: Bool) {
        buffer.writeInteger(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t"))
    }

    /// Sends what is buffered once it reaches `atLeast` bytes.
    mutating func flush(to writer: PostgresCopyFromWriter, atLeast: Int) async throws {
        guard buffer.readableBytes > 0, buffer.readableBytes >= atLeast else { return }
        try await writer.write(buffer)
        buffer.clear()
    }
}
