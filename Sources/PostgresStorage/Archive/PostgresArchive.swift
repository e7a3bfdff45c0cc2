import ArchiveClient
import CreditCore
import Foundation
import NIOCore
import PostgresNIO
import Storage

/// The archive in PostgreSQL, shared by every gateway, importer and other system that opens the
/// same database.
///
/// - **Imports** from any writer are serialised by a transaction-level advisory lock and each is
///   one transaction, so versions grow by one across all writers and a reader never sees half an
///   import. Events arrive by `COPY`; a first load into an empty archive builds the indexes once,
///   after the rows.
/// - **A lookup** reads one version and states it. It asks for all candidates at once: one
///   statement for the version (the newest import's row), then the in-memory ``KeyFilter`` drops
///   the people the archive cannot know (so a lookup of them is one round trip), then one statement
///   for the keys of the rest, one for the histories of the listings found and one for the records
///   found, each read as of that version; the deciding is ``LookupRules``', as on every backend.
///
/// ```swift
/// let archive = try await PostgresArchive(try await PostgresEngine.open(url: url))
/// let report = try await archive.importDefaulters(from: feed, options: .init())
/// ```
public struct PostgresArchive: ArchiveStore {
    let engine: PostgresEngine
    let texts = TextCache()
    let keyFilter = KeyFilter()
    /// Held while a lookup reads keys for the filter.
    let keyReading = KeyedLock()
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
            return ArchiveStatistics(
                version: try await Self.version(connection, engine.logger), defaulterEvents: Int(events), defaulterEntries: Int(entries),
                maskedEvents: Int(masked), recordEvents: Int(recordEvents), records: Int(records), imports: Int(imports),
                maskShapes: Int(shapes), lastImport: try await Self.imports(connection, engine.logger, before: nil, limit: 1).first)
        }
    }

    public func imports(before: Int64?, limit: Int) async throws -> [ImportSummary] {
        try await engine.connection { try await Self.imports($0, engine.logger, before: before, limit: limit) }
    }

    static func imports(_ connection: PostgresConnection, _ logger: Logger, before: Int64?, limit: Int) async throws -> [ImportSummary] {
        var found: [ImportSummary] = []
        for try await (sequence, kind, source, hash, at, accepted, rejected) in try await connection.query("""
            SELECT seq, kind, source, content_hash, imported_at, accepted, rejected FROM imports
            WHERE seq < \(before ?? Int64.max) ORDER BY seq DESC LIMIT \(Int64(limit))
            """, logger: logger).decode((Int64, String, String, String, Double, Int64, Int64).self) {
            found.append(ImportSummary(sequence: sequence, kind: kind, source: source, contentHash: hash,
                                       importedAt: Date(timeIntervalSince1970: at), accepted: Int(accepted), rejected: Int(rejected)))
        }
        return found
    }

    public func lookup(_ candidates: [Candidate], asOf: AsOf) async throws -> ArchiveLookup {
        try await engine.connection { connection in
            guard let head = try await Self.head(connection, engine.logger) else {
                return ArchiveLookup(version: .empty, findings: candidates.map { _ in Findings(hits: []) })
            }
            // Only keys the filter may hold are asked for; the exact key is also the records' key.
            let filter = try await filterBits(covering: head.marks, on: connection)
            let exactKeys = candidates.map { MatchKey.exact($0.id) }
            let asked = candidates.indices.map { index in
                (exactKeys[index], filter.mayContain(exactKeys[index]) ? [exactKeys[index]] : [],
                 LookupRules.probableKeys(candidates[index], shapes: head.shapes).filter(filter.mayContain))
            }
            let matchKeys = asked.flatMap { $0.1 + $0.2 }
            guard !matchKeys.isEmpty else {
                return ArchiveLookup(version: head.version, findings: candidates.map { _ in Findings(hits: []) })
            }
            let found = try await keys(match: matchKeys, records: asked.flatMap(\.1), on: connection)
            let texts = try await snapshotTexts(upTo: head.newestText, on: connection)
            let histories = try await listingEvents(Set(found.entriesByMatchKey.values.flatMap { $0 }), through: head.version.sequence,
                                                    texts: texts, on: connection)
            let recordHistories = try await recordEvents(Set(found.recordsByIDKey.values.flatMap { $0 }), through: head.version.sequence,
                                                         on: connection)
            let findings = candidates.indices.map { index in
                let (exactKey, exact, probable) = asked[index]
                var entryKeys: [Int64] = []
                for key in exact + probable {
                    for entry in found.entriesByMatchKey[key] ?? [] where !entryKeys.contains(entry) { entryKeys.append(entry) }
                }
                var recordKeys: [Int64] = []
                for record in found.recordsByIDKey[exactKey] ?? [] where !recordKeys.contains(record) { recordKeys.append(record) }
                let candidate = candidates[index]
                let listings = entryKeys.compactMap { histories[$0] }
                let records = recordKeys.compactMap { recordHistories[$0] }
                return Findings(hits: LookupRules.defaulterHits(candidate, listings: listings, asOf: asOf)
                    + LookupRules.recordHits(candidate, records: records, asOf: asOf), listings: listings, records: records)
            }
            return ArchiveLookup(version: head.version, findings: findings)
        }
    }

    public func recordHistory(recordID: String) async throws -> RecordHistory? {
        let key = DishonestyRecord.recordKey(for: recordID)
        return try await engine.connection { try await recordEvents([key], through: Int64.max, on: $0)[key] }
    }

    public func prepareLookups() async throws {
        try await engine.connection { connection in
            if let head = try await Self.head(connection, engine.logger) { _ = try await filterBits(covering: head.marks, on: connection) }
        }
    }

    /// What the archive held when its newest import committed: its version, how far its events
    /// and texts go, its mask shapes. `nil` for an empty archive.
    private struct Head {
        var version: ArchiveVersion
        var marks: KeyFilter.Marks
        var newestText: Int64
        var shapes: [UInt32]
    }

    /// Every lookup starts here: one row (``recordHead``), so a lookup of people the archive does
    /// not know (nearly all of a screening) costs the database one cheap statement. The events and
    /// texts read after it are those of this version, because the archive only appends: an import
    /// adds events of a higher sequence and texts of higher ids, in one transaction, and changes no
    /// row.
    private static func head(_ connection: PostgresConnection, _ logger: Logger) async throws -> Head? {
        let rows = try await connection.query("""
            SELECT seq, content_hash, defaulter_high, record_high, newest_text, shapes FROM imports ORDER BY seq DESC LIMIT 1
            """, logger: logger)
        for try await (sequence, hash, defaulters, records, newestText, shapes)
            in rows.decode((Int64, String, Int64?, Int64?, Int64?, [Int64]?).self) {
            guard let defaulters, let records, let newestText, let shapes else { throw ArchiveHeadMissing(sequence: sequence) }
            return Head(version: ArchiveVersion(sequence: sequence, contentHash: hash), marks: .init(defaulters: defaulters, records: records),
                        newestText: newestText, shapes: shapes.map { UInt32(truncatingIfNeeded: $0) })
        }
        return nil
    }

    /// Records in the newest import what the archive now holds (``head(_:_:)``); run by every
    /// writer of the archive in the transaction that wrote it: imports, `creditgate migrate`, and
    /// the schema migration that added the columns.
    static let recordHead = """
        UPDATE imports SET defaulter_high = (SELECT COALESCE(MAX(id), 0) FROM defaulter_events),
                           record_high = (SELECT COALESCE(MAX(id), 0) FROM record_events),
                           newest_text = (SELECT COALESCE(MAX(id), 0) FROM texts),
                           shapes = (SELECT COALESCE(array_agg(shape ORDER BY shape), '{}') FROM mask_shapes)
        WHERE seq = (SELECT MAX(seq) FROM imports)
        """

    /// The filter's bits once they cover `marks`: one lookup at a time reads the keys they lack
    /// (the first time, every key in the archive) while the others wait for it. Keys come as one
    /// array per million event ids: decoding ten million one-column rows costs the gateway more
    /// than the database's scan.
    private func filterBits(covering marks: KeyFilter.Marks, on connection: PostgresConnection) async throws -> KeyFilter.Bits {
        guard keyFilter.keysToRead(for: marks) != nil else { return keyFilter.bits }
        return try await keyReading.withLock("keys") {
            guard let range = keyFilter.keysToRead(for: marks) else { return keyFilter.bits }
            var keys: [Int64] = []
            for (table, column, from, to) in [("defaulter_events", "match_key", range.from.defaulters, range.to.defaulters),
                                              ("record_events", "id_key", range.from.records, range.to.records)] {
                for low in stride(from: from, to: to, by: 1_000_000) {
                    let rows = try await connection.query("""
                        SELECT array_agg(\(unescaped: column)) FROM \(unescaped: table)
                        WHERE id > \(low) AND id <= \(min(to, low + 1_000_000)) AND \(unescaped: column) IS NOT NULL
                        """, logger: engine.logger)
                    for try await chunk in rows.decode([Int64]?.self) { keys += chunk ?? [] }
                }
            }
            return keyFilter.add(keys, range)
        }
    }

    /// The listings and records under these keys: entry keys by match key, record keys by ID key.
    /// Keys of any version come back; the histories read after them are cut at the lookup's.
    private func keys(match: [Int64], records: [Int64], on connection: PostgresConnection) async throws
        -> (entriesByMatchKey: [Int64: [Int64]], recordsByIDKey: [Int64: [Int64]]) {
        var entries: [Int64: [Int64]] = [:]
        var recordKeys: [Int64: [Int64]] = [:]
        let rows = try await connection.query("""
            SELECT false, match_key, entry_key FROM defaulter_events WHERE match_key = ANY(\(match)::bigint[])
            UNION ALL
            SELECT true, id_key, record_key FROM record_events WHERE id_key = ANY(\(records)::bigint[])
            """, logger: engine.logger)
        for try await (isRecord, key, group) in rows.decode((Bool, Int64, Int64).self) {
            if isRecord { recordKeys[key, default: []].append(group) } else { entries[key, default: []].append(group) }
        }
        return (entries, recordKeys)
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

/// The newest import has no head (``PostgresArchive/recordHead``): it was written by a version of
/// CreditGate older than the database's schema.
struct ArchiveHeadMissing: Error, CustomStringConvertible {
    var sequence: Int64
    var description: String {
        "archive import \(sequence) was written without its head; import with this version of creditgate, or run `creditgate migrate` again"
    }
}
