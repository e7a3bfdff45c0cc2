import ArchiveClient
import CreditCore
import Foundation
import NIOCore
import PostgresNIO

/// The archive in PostgreSQL, shared by every gateway, importer and other system that opens the
/// same database.
///
/// - **Imports** from any writer are serialised by a transaction-level advisory lock and each is
///   one transaction, so versions grow by one across all writers and a reader never sees half an
///   import. Events arrive by `COPY`; a first load into an empty archive builds the indexes once,
///   after the rows.
/// - **A lookup** reads one snapshot (`REPEATABLE READ`) and states its version. It asks for all
///   candidates at once: one query for the keys of everyone, one for the histories of the listings
///   found, one for the records found; the deciding is ``LookupRules``', as on every backend.
///
/// ```swift
/// let archive = try await PostgresArchive(try await PostgresEngine.open(url: url))
/// let report = try await archive.importDefaulters(from: feed, options: .init())
/// ```
public struct PostgresArchive: ArchiveStore {
    let engine: PostgresEngine
    let texts = TextCache()
    /// The taxonomy record categories are checked against.
    public let taxonomy: Taxonomy

    public init(_ engine: PostgresEngine, taxonomy: Taxonomy? = nil) throws {
        self.engine = engine
        self.taxonomy = try taxonomy ?? Taxonomy.bundled()
    }

    public func version() async throws -> ArchiveVersion {
        try await engine.connection { try await Self.version($0, engine.logger) }
    }

    static func version(_ connection: PostgresConnection, _ logger: Logger) async throws -> ArchiveVersion {
        for try await (sequence, hash) in try await connection.query(
            "SELECT seq, content_hash FROM imports ORDER BY seq DESC LIMIT 1", logger: logger).decode((Int64, String).self) {
            return ArchiveVersion(sequence: sequence, contentHash: hash)
        }
        return .empty
    }

    public func statistics() async throws -> ArchiveStatistics {
        try await engine.connection { connection in
            let rows = try await connection.query("""
                SELECT (SELECT COUNT(*) FROM defaulter_events), (SELECT COUNT(DISTINCT entry_key) FROM defaulter_events),
                       (SELECT COUNT(*) FROM defaulter_events WHERE match_key < 0), (SELECT COUNT(*) FROM record_events),
                       (SELECT COUNT(DISTINCT record_key) FROM record_events), (SELECT COUNT(*) FROM imports), (SELECT COUNT(*) FROM mask_shapes)
                """, logger: engine.logger).collect()
            let (events, entries, masked, recordEvents, records, imports, shapes) =
                try rows[0].decode((Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
            var last: ImportSummary?
            for try await (sequence, kind, source, hash, at, accepted, rejected) in try await connection.query("""
                SELECT seq, kind, source, content_hash, imported_at, accepted, rejected FROM imports ORDER BY seq DESC LIMIT 1
                """, logger: engine.logger).decode((Int64, String, String, String, Double, Int64, Int64).self) {
                last = ImportSummary(sequence: sequence, kind: kind, source: source, contentHash: hash,
                                     importedAt: Date(timeIntervalSince1970: at), accepted: Int(accepted), rejected: Int(rejected))
            }
            return ArchiveStatistics(
                version: try await Self.version(connection, engine.logger), defaulterEvents: Int(events), defaulterEntries: Int(entries),
                maskedEvents: Int(masked), recordEvents: Int(recordEvents), records: Int(records), imports: Int(imports),
                maskShapes: Int(shapes), lastImport: last)
        }
    }

    public func lookup(_ candidates: [Candidate], asOf: AsOf) async throws -> ArchiveLookup {
        try await engine.connection { connection in
            let logger = engine.logger
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let lookup = try await lookup(candidates, asOf: asOf, on: connection)
                try await connection.query("COMMIT", logger: logger)
                return lookup
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    private func lookup(_ candidates: [Candidate], asOf: AsOf, on connection: PostgresConnection) async throws -> ArchiveLookup {
        let logger = engine.logger
        let head = try await connection.query("""
            SELECT (SELECT MAX(id) FROM texts), (SELECT array_agg(shape ORDER BY shape) FROM mask_shapes)
            """, logger: logger).collect()
        let (newestText, shapeList) = try head[0].decode((Int64?, [Int64]?).self)
        let version = try await Self.version(connection, logger)
        let texts = try await snapshotTexts(upTo: newestText ?? 0, on: connection)
        let shapes = (shapeList ?? []).map { UInt32(truncatingIfNeeded: $0) }

        // Every candidate's keys at once; the exact key is also the records' key.
        let exactKeys = candidates.map { MatchKey.exact($0.id) }
        let probableKeys = candidates.map { LookupRules.probableKeys($0, shapes: shapes) }
        var entriesByMatchKey: [Int64: [Int64]] = [:]
        var recordsByIDKey: [Int64: [Int64]] = [:]
        let keyRows = try await connection.query("""
            SELECT 0::smallint, match_key, entry_key FROM defaulter_events WHERE match_key = ANY(\(exactKeys + probableKeys.flatMap { $0 })::bigint[])
            UNION ALL
            SELECT 1::smallint, id_key, record_key FROM record_events WHERE id_key = ANY(\(exactKeys)::bigint[])
            """, logger: logger)
        for try await (table, key, group) in keyRows.decode((Int16, Int64, Int64).self) {
            if table == 0 {
                entriesByMatchKey[key, default: []].append(group)
            } else {
                recordsByIDKey[key, default: []].append(group)
            }
        }
        let histories = try await listingEvents(Set(entriesByMatchKey.values.flatMap { $0 }), texts: texts, on: connection)
        let recordHistories = try await recordEvents(Set(recordsByIDKey.values.flatMap { $0 }), on: connection)

        let findings = candidates.indices.map { index in
            var entryKeys: [Int64] = []
            for key in [exactKeys[index]] + probableKeys[index] {
                for entry in entriesByMatchKey[key] ?? [] where !entryKeys.contains(entry) { entryKeys.append(entry) }
            }
            var recordKeys: [Int64] = []
            for record in recordsByIDKey[exactKeys[index]] ?? [] where !recordKeys.contains(record) { recordKeys.append(record) }
            let candidate = candidates[index]
            return Findings(hits: LookupRules.defaulterHits(candidate, listings: entryKeys.compactMap { histories[$0] }, asOf: asOf)
                + LookupRules.recordHits(candidate, records: recordKeys.compactMap { recordHistories[$0] }, asOf: asOf))
        }
        return ArchiveLookup(version: version, findings: findings)
    }

    /// The listings under these entry keys, each its history in event order.
    private func listingEvents(_ keys: Set<Int64>, texts: [String?], on connection: PostgresConnection) async throws -> [Int64: DefaulterHistory] {
        guard !keys.isEmpty else { return [:] }
        var events: [Int64: [DefaulterEvent]] = [:]
        let rows = try await connection.query("""
            SELECT entry_key, id, import_seq, op, effective_day, match_key, detail FROM defaulter_events
            WHERE entry_key = ANY(\(Array(keys))::bigint[]) ORDER BY id
            """, logger: engine.logger)
        for try await (entry, id, sequence, op, day, matchKey, detail) in rows.decode((Int64, Int64, Int64, Int16, Int32, Int64?, ByteBuffer).self) {
            guard let event = DefaulterRowDecoder.event(
                id: id, importSequence: sequence, operation: Int(op), effectiveDay: Int(day), matchKey: matchKey,
                detail: ArraySlice(detail.readableBytesView), texts: texts) else { continue }
            events[entry, default: []].append(event)
        }
        return events.mapValues(LookupRules.listingHistory)
    }

    /// The records under these record keys, each its history in event order.
    private func recordEvents(_ keys: Set<Int64>, on connection: PostgresConnection) async throws -> [Int64: RecordHistory] {
        guard !keys.isEmpty else { return [:] }
        var events: [Int64: [(recordID: String, event: RecordEvent)]] = [:]
        let rows = try await connection.query("""
            SELECT record_key, id, import_seq, op, effective_day, record_id, id_key, name, category, kind, sanction, severity,
                decided_day, effective_until_day, permanent, issuer, document_number, summary
            FROM record_events WHERE record_key = ANY(\(Array(keys))::bigint[]) ORDER BY id
            """, logger: engine.logger)
        for try await row in rows {
            let (key, id, sequence, op, day, recordID, idKey, name, category, kind, sanction, severity) =
                try row.decode((Int64, Int64, Int64, Int16, Int32, String, Int64?, String?, String?, String?, String?, String?).self)
            let columns = row.makeRandomAccess()
            guard let event = RecordRowDecoder.event(RecordEventColumns(
                id: id, importSequence: sequence, operation: Int(op), effectiveDay: Int(day), recordID: recordID, idKey: idKey,
                name: name, category: category, kind: kind, sanction: sanction, severity: severity,
                decidedDay: try columns[12].decode(Int32?.self).map(Int.init), effectiveUntilDay: try columns[13].decode(Int32?.self).map(Int.init),
                permanent: try columns[14].decode(Bool?.self), issuer: try columns[15].decode(String?.self),
                documentNumber: try columns[16].decode(String?.self), summary: try columns[17].decode(String?.self))) else { continue }
            events[key, default: []].append((recordID, event))
        }
        return events.mapValues(LookupRules.recordHistory)
    }

    /// The interned texts as of the snapshot, reading only those the cache lacks.
    private func snapshotTexts(upTo newest: Int64, on connection: PostgresConnection) async throws -> [String?] {
        if let missing = texts.missing(upTo: newest) {
            var rows: [(id: Int64, text: String)] = []
            for try await row in try await connection.query("""
                SELECT id, text FROM texts WHERE id >= \(missing.lowerBound) AND id <= \(missing.upperBound)
                """, logger: engine.logger).decode((Int64, String).self) {
                rows.append(row)
            }
            texts.add(rows, upTo: newest)
        }
        return texts.texts
    }
}
