import ArchiveClient
import CreditCore
import Foundation
import GRDB

extension SQLiteArchive {
    /// One read transaction for all candidates: a consistent snapshot and one archive version.
    ///
    /// Per candidate: a check of the in-memory ``KeyFilter``, which answers "not in the archive" for
    /// almost everyone; otherwise an index probe on `match_key` for the full ID (exact), one per mask
    /// shape in the archive (probable), one on `record_events.id_key`; then, only for listings or
    /// records found, their full event histories, folded as of the day asked.
    ///
    /// A lookup of a few candidates (a single check's one) runs on the calling thread, on a
    /// connection of its own (``LookupConnections``): it is tens of microseconds of CPU, less than
    /// GRDB's hop to a reader's queue and back (two thread switches, the futex wakes, the async
    /// read's bookkeeping). Larger ones (inline batches of thousands, tens of milliseconds) go to
    /// the pool's readers, off Swift's cooperative threads.
    public func lookup(_ candidates: [Candidate], asOf: AsOf) async throws -> ArchiveLookup {
        if candidates.count <= Self.inlineLookupLimit {
            return try lookups.read { db in try lookup(candidates, asOf: asOf, in: db) }
        }
        return try await pool.read { db in try self.lookup(candidates, asOf: asOf, in: db) }
    }

    /// The most candidates a lookup reads on the calling thread.
    static let inlineLookupLimit = 16

    public func recordHistory(recordID: String) async throws -> RecordHistory? {
        try await pool.read { db in
            let history = try RecordEventsReader(db: db).history(recordKey: DishonestyRecord.recordKey(for: recordID))
            return history.events.isEmpty ? nil : history
        }
    }

    /// Loads what lookups keep in memory (the ``KeyFilter``) now, rather than in the first lookup:
    /// at ten million listings that is seconds, which a server pays before it listens, not in its
    /// first answer.
    public func prepareLookups() async throws {
        _ = try await pool.read { db in try self.filterBits(db) }
    }

    private func lookup(_ candidates: [Candidate], asOf: AsOf, in db: Database) throws -> ArchiveLookup {
        let version = try Self.version(db)
        var reader = try LookupReader(db: db, asOf: asOf, texts: texts.snapshot(db), filter: filterBits(db))
        let findings = try candidates.map { try reader.find($0) }
        return ArchiveLookup(version: version, findings: findings)
    }
}

/// Prepared statements and state for lookups inside one read transaction.
struct LookupReader {
    let db: Database
    let asOf: AsOf
    let shapes: [UInt32]
    let byMatchKey: RawStatement
    let entryEvents: RawStatement
    let recordKeys: RawStatement
    let recordEvents: RecordEventsReader

    let texts: [String?]
    let filter: KeyFilter.Bits

    init(db: Database, asOf: AsOf, texts: [String?], filter: KeyFilter.Bits) throws {
        self.db = db
        self.texts = texts
        self.filter = filter
        self.asOf = asOf
        self.shapes = try Int64.fetchAll(db.cachedStatement(sql: "SELECT shape FROM mask_shapes ORDER BY shape")).map { UInt32(truncatingIfNeeded: $0) }
        byMatchKey = RawStatement(try db.cachedStatement(sql: "SELECT entry_key FROM defaulter_events WHERE match_key = ?1"))
        entryEvents = RawStatement(try db.cachedStatement(sql: """
            SELECT id, import_seq, op, effective_day, match_key, detail FROM defaulter_events WHERE entry_key = ?1
            """))
        recordKeys = RawStatement(try db.cachedStatement(sql: "SELECT record_key FROM record_events WHERE id_key = ?1"))
        recordEvents = try RecordEventsReader(db: db)
    }

    mutating func find(_ candidate: Candidate) throws -> Findings {
        let exactKey = MatchKey.exact(candidate.id)
        // Only keys the filter may hold are probed; the exact key is also the records' key.
        let exactMayExist = filter.mayContain(exactKey)
        let probableKeys = LookupRules.probableKeys(candidate, shapes: shapes).filter(filter.mayContain)
        guard exactMayExist || !probableKeys.isEmpty else { return Findings(hits: []) }
        var entryKeys: [Int64] = []
        for key in (exactMayExist ? [exactKey] : []) + probableKeys {
            byMatchKey.bind(1, key)
            // Keys are deduplicated here: `SELECT DISTINCT` would build a temporary b-tree per probe.
            try byMatchKey.forEachRow(db) { row in
                let entryKey = row.int64(0) ?? 0
                if !entryKeys.contains(entryKey) { entryKeys.append(entryKey) }
            }
        }
        let listings = try entryKeys.map(defaulterHistory(entryKey:))
        let hits = LookupRules.defaulterHits(candidate, listings: listings, asOf: asOf)
        guard exactMayExist else { return Findings(hits: hits, listings: listings) }
        var recordKeyList: [Int64] = []
        recordKeys.bind(1, exactKey)
        try recordKeys.forEachRow(db) { row in
            let key = row.int64(0) ?? 0
            if !recordKeyList.contains(key) { recordKeyList.append(key) }
        }
        let records = try recordKeyList.map(recordEvents.history(recordKey:))
        return Findings(hits: hits + LookupRules.recordHits(candidate, records: records, asOf: asOf), listings: listings, records: records)
    }

    private func defaulterHistory(entryKey: Int64) throws -> DefaulterHistory {
        var events: [DefaulterEvent] = []
        entryEvents.bind(1, entryKey)
        try entryEvents.forEachRow(db) { row in
            guard let blob = row.blob(5), let event = DefaulterRowDecoder.event(
                id: row.int64(0) ?? 0, importSequence: row.int64(1) ?? 0, operation: row.int(2) ?? -1, effectiveDay: row.int(3) ?? 0,
                matchKey: row.int64(4), detail: blob[...], texts: texts) else { return }
            events.append(event)
        }
        return LookupRules.listingHistory(events)
    }
}

/// Reads one record's events, under its record key, as a history.
struct RecordEventsReader {
    let db: Database
    let statement: RawStatement

    init(db: Database) throws {
        self.db = db
        statement = RawStatement(try db.cachedStatement(sql: """
            SELECT id, import_seq, op, effective_day, record_id, id_key, name, category, kind, sanction, severity,
                decided_day, effective_until_day, permanent, issuer, document_number, summary
            FROM record_events WHERE record_key = ?1
            """))
    }

    func history(recordKey: Int64) throws -> RecordHistory {
        var events: [(recordID: String, event: RecordEvent)] = []
        statement.bind(1, recordKey)
        try statement.forEachRow(db) { row in
            guard let recordID = row.string(4), let event = RecordRowDecoder.event(RecordEventColumns(
                id: row.int64(0) ?? 0, importSequence: row.int64(1) ?? 0, operation: row.int(2) ?? -1, effectiveDay: row.int(3) ?? 0,
                recordID: recordID, idKey: row.int64(5), name: row.string(6), category: row.string(7), kind: row.string(8),
                sanction: row.string(9), severity: row.string(10), decidedDay: row.int(11), effectiveUntilDay: row.int(12),
                permanent: row.int(13).map { $0 == 1 }, issuer: row.string(14), documentNumber: row.string(15), summary: row.string(16)))
            else { return }
            events.append((recordID, event))
        }
        return LookupRules.recordHistory(events)
    }
}
