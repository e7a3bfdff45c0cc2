import ArchiveClient
import CreditCore
import Foundation
import NIOCore
import PostgresNIO
import Synchronization

/// The archive in PostgreSQL, shared by every gateway, importer and other system that opens the
/// same database.
///
/// - **Imports** from any writer are serialised by a transaction-level advisory lock and each is
///   one transaction, so versions grow by one across all writers and a reader never sees half an
///   import. Events arrive by `COPY`; a first load into an empty archive builds the indexes once,
///   after the rows.
/// - **A lookup** reads one version and states it. It asks for all candidates at once: one
///   statement for the version and the keys of everyone (so a lookup of people the archive does not
///   know is one round trip), then one for the histories of the listings found and one for the
///   records found, each read as of that version; the deciding is ``LookupRules``', as on every
///   backend.
///
/// ```swift
/// let archive = try await PostgresArchive(try await PostgresEngine.open(url: url))
/// let report = try await archive.importDefaulters(from: feed, options: .init())
/// ```
public struct PostgresArchive: ArchiveStore {
    let engine: PostgresEngine
    let texts = TextCache()
    /// The mask shapes last seen (they only grow): a lookup computes its probable keys with them and
    /// asks again in the rare case its snapshot has more.
    let shapes = MaskShapes()
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
            // Every candidate's keys at once; the exact key is also the records' key.
            let exactKeys = candidates.map { MatchKey.exact($0.id) }
            var shapes = self.shapes.known.withLock { $0 }
            var snapshot: KeySnapshot
            repeat {
                let probableKeys = candidates.map { LookupRules.probableKeys($0, shapes: shapes) }
                snapshot = try await keys(exact: exactKeys, probable: probableKeys, on: connection)
                // An import added a mask shape since the shapes were cached: ask again with it.
                if snapshot.shapes == shapes { break }
                shapes = snapshot.shapes
                self.shapes.known.withLock { [shapes] in $0 = shapes }
            } while true
            let texts = try await snapshotTexts(upTo: snapshot.newestText, on: connection)
            let histories = try await listingEvents(Set(snapshot.entriesByMatchKey.values.flatMap { $0 }), through: snapshot.version.sequence,
                                                    texts: texts, on: connection)
            let recordHistories = try await recordEvents(Set(snapshot.recordsByIDKey.values.flatMap { $0 }), through: snapshot.version.sequence,
                                                         on: connection)
            let findings = candidates.indices.map { index in
                var entryKeys: [Int64] = []
                for key in [exactKeys[index]] + snapshot.probableKeys[index] {
                    for entry in snapshot.entriesByMatchKey[key] ?? [] where !entryKeys.contains(entry) { entryKeys.append(entry) }
                }
                var recordKeys: [Int64] = []
                for record in snapshot.recordsByIDKey[exactKeys[index]] ?? [] where !recordKeys.contains(record) { recordKeys.append(record) }
                let candidate = candidates[index]
                return Findings(hits: LookupRules.defaulterHits(candidate, listings: entryKeys.compactMap { histories[$0] }, asOf: asOf)
                    + LookupRules.recordHits(candidate, records: recordKeys.compactMap { recordHistories[$0] }, asOf: asOf))
            }
            return ArchiveLookup(version: snapshot.version, findings: findings)
        }
    }

    /// What one statement saw: the archive's version, its newest text and mask shapes, and the
    /// listings and records under the candidates' keys.
    private struct KeySnapshot {
        var version = ArchiveVersion.empty
        var newestText: Int64 = 0
        var shapes: [UInt32] = []
        var probableKeys: [[Int64]]
        var entriesByMatchKey: [Int64: [Int64]] = [:]
        var recordsByIDKey: [Int64: [Int64]] = [:]
    }

    /// One statement, so one snapshot, and one round trip: a lookup of people the archive does not
    /// know (nearly all of a screening) ends here. The events and texts read after it are those of
    /// this snapshot's version, because the archive only appends: an import adds events of a higher
    /// sequence and texts of higher ids, in one transaction, and changes no row.
    private func keys(exact: [Int64], probable: [[Int64]], on connection: PostgresConnection) async throws -> KeySnapshot {
        var snapshot = KeySnapshot(probableKeys: probable)
        let rows = try await connection.query("""
            SELECT 2::smallint, COALESCE((SELECT MAX(seq) FROM imports), 0), COALESCE((SELECT MAX(id) FROM texts), 0),
                   (SELECT content_hash FROM imports ORDER BY seq DESC LIMIT 1), (SELECT array_agg(shape ORDER BY shape) FROM mask_shapes)
            UNION ALL
            SELECT 0::smallint, match_key, entry_key, NULL, NULL FROM defaulter_events WHERE match_key = ANY(\(exact + probable.flatMap { $0 })::bigint[])
            UNION ALL
            SELECT 1::smallint, id_key, record_key, NULL, NULL FROM record_events WHERE id_key = ANY(\(exact)::bigint[])
            """, logger: engine.logger)
        for try await (kind, key, group, hash, shapes) in rows.decode((Int16, Int64, Int64, String?, [Int64]?).self) {
            switch kind {
            case 0: snapshot.entriesByMatchKey[key, default: []].append(group)
            case 1: snapshot.recordsByIDKey[key, default: []].append(group)
            default:
                snapshot.version = hash.map { ArchiveVersion(sequence: key, contentHash: $0) } ?? .empty
                snapshot.newestText = group
                snapshot.shapes = (shapes ?? []).map { UInt32(truncatingIfNeeded: $0) }
            }
        }
        return snapshot
    }

    /// The listings under these entry keys, each its history in event order.
    private func listingEvents(
        _ keys: Set<Int64>, through sequence: Int64, texts: [String?], on connection: PostgresConnection
    ) async throws -> [Int64: DefaulterHistory] {
        guard !keys.isEmpty else { return [:] }
        var events: [Int64: [DefaulterEvent]] = [:]
        let rows = try await connection.query("""
            SELECT entry_key, id, import_seq, op, effective_day, match_key, detail FROM defaulter_events
            WHERE entry_key = ANY(\(Array(keys))::bigint[]) AND import_seq <= \(sequence) ORDER BY id
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
    private func recordEvents(_ keys: Set<Int64>, through sequence: Int64, on connection: PostgresConnection) async throws -> [Int64: RecordHistory] {
        guard !keys.isEmpty else { return [:] }
        var events: [Int64: [(recordID: String, event: RecordEvent)]] = [:]
        let rows = try await connection.query("""
            SELECT record_key, id, import_seq, op, effective_day, record_id, id_key, name, category, kind, sanction, severity,
                decided_day, effective_until_day, permanent, issuer, document_number, summary
            FROM record_events WHERE record_key = ANY(\(Array(keys))::bigint[]) AND import_seq <= \(sequence) ORDER BY id
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

/// The mask shapes a lookup last saw, shared by the lookups of one archive value.
final class MaskShapes: Sendable {
    let known = Mutex<[UInt32]>([])
}
