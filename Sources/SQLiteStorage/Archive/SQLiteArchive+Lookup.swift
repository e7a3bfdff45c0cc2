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
    public func lookup(_ candidates: [Candidate], asOf: AsOf) async throws -> ArchiveLookup {
        try await pool.read { db in try self.lookup(candidates, asOf: asOf, in: db) }
    }

    /// The same lookup without an async hop, for callers already on a thread of their own (batch
    /// workers, benchmarks).
    public func lookupSync(_ candidates: [Candidate], asOf: AsOf) throws -> ArchiveLookup {
        try pool.read { db in try lookup(candidates, asOf: asOf, in: db) }
    }

    /// Loads what lookups keep in memory (the ``KeyFilter``) now, rather than in the first lookup:
    /// at ten million listings that is seconds, which a server pays before it listens, not in its
    /// first answer.
    public func prepareLookups() async throws {
        _ = try await pool.read { db in try self.keyFilter.catchUp(db) }
    }

    private func lookup(_ candidates: [Candidate], asOf: AsOf, in db: Database) throws -> ArchiveLookup {
        let version = try Self.version(db)
        var reader = try LookupReader(db: db, asOf: asOf, texts: texts.snapshot(db), filter: keyFilter.catchUp(db))
        let findings = try candidates.map { try reader.find($0) }
        return ArchiveLookup(version: version, findings: findings)
    }
}

/// Prepared statements and state for lookups inside one read transaction.
struct LookupReader {
    let db: Database
    let day: CalendarDay
    let sequenceLimit: Int64
    let shapes: [UInt32]
    let byMatchKey: RawStatement
    let entryEvents: RawStatement
    let recordKeys: RawStatement
    let recordEventsByKey: RawStatement

    let texts: [String?]
    let filter: KeyFilter.Bits

    init(db: Database, asOf: AsOf, texts: [String?], filter: KeyFilter.Bits) throws {
        self.db = db
        self.texts = texts
        self.filter = filter
        self.day = asOf.day
        self.sequenceLimit = asOf.archiveSequence ?? Int64.max
        self.shapes = try Int64.fetchAll(db.cachedStatement(sql: "SELECT shape FROM mask_shapes ORDER BY shape")).map { UInt32(truncatingIfNeeded: $0) }
        byMatchKey = RawStatement(try db.cachedStatement(sql: "SELECT entry_key FROM defaulter_events WHERE match_key = ?1"))
        entryEvents = RawStatement(try db.cachedStatement(sql: """
            SELECT id, import_seq, op, effective_day, match_key, detail FROM defaulter_events WHERE entry_key = ?1
            """))
        recordKeys = RawStatement(try db.cachedStatement(sql: "SELECT record_key FROM record_events WHERE id_key = ?1"))
        recordEventsByKey = RawStatement(try db.cachedStatement(sql: """
            SELECT id, import_seq, op, effective_day, record_id, id_key, name, category, kind, sanction, severity,
                decided_day, effective_until_day, permanent, issuer, document_number, summary
            FROM record_events WHERE record_key = ?1
            """))
    }

    mutating func find(_ candidate: Candidate) throws -> Findings {
        let exactKey = MatchKey.exact(candidate.id)
        // Only keys the filter may hold are probed; the exact key is also the records' key.
        let exactMayExist = filter.mayContain(exactKey)
        let probableKeys = shapes.map { MatchKey.probable(name: candidate.name, candidate: candidate.id, shape: $0) }
            .filter(filter.mayContain)
        guard exactMayExist || !probableKeys.isEmpty else { return Findings(hits: []) }
        var hits: [Hit] = []
        var entryKeys: [Int64] = []
        for key in (exactMayExist ? [exactKey] : []) + probableKeys {
            byMatchKey.bind(1, key)
            // Keys are deduplicated here: `SELECT DISTINCT` would build a temporary b-tree per probe.
            try byMatchKey.forEachRow(db) { row in
                let entryKey = row.int64(0) ?? 0
                if !entryKeys.contains(entryKey) { entryKeys.append(entryKey) }
            }
        }
        for key in entryKeys {
            guard let state = try defaulterHistory(entryKey: key).state(asOf: day, knownAt: sequenceLimit) else { continue }
            // The fields in force decide: a correction may have moved the listing to another ID.
            switch state.entry.publishedID {
            case .full(let id) where id == candidate.id:
                hits.append(.defaulter(match: .exact, state: state))
            case .masked(let mask) where mask.matches(candidate.id) && state.entry.normalisedName == candidate.name:
                hits.append(.defaulter(match: .probable, state: state))
            default:
                break
            }
        }
        guard exactMayExist else { return Findings(hits: hits) }
        var recordKeyList: [Int64] = []
        recordKeys.bind(1, exactKey)
        try recordKeys.forEachRow(db) { row in
            let key = row.int64(0) ?? 0
            if !recordKeyList.contains(key) { recordKeyList.append(key) }
        }
        for key in recordKeyList {
            guard let state = try recordHistory(recordKey: key).state(asOf: day, knownAt: sequenceLimit),
                  state.record.residentID == candidate.id else { continue }
            hits.append(.record(state))
        }
        return Findings(hits: hits)
    }

    private func defaulterHistory(entryKey: Int64) throws -> DefaulterHistory {
        var events: [DefaulterEvent] = []
        entryEvents.bind(1, entryKey)
        try entryEvents.forEachRow(db) { row in
            if let event = DefaulterRowDecoder.event(row, texts: texts) { events.append(event) }
        }
        // entry_key is a 64-bit hash: keep only the events of the listing the first one names.
        guard let first = events.first else { return DefaulterHistory(events: []) }
        let caseNumber = first.entry.caseNumber
        let name = first.entry.normalisedName
        return DefaulterHistory(events: events.filter { $0.entry.caseNumber == caseNumber && $0.entry.normalisedName == name })
    }

    private func recordHistory(recordKey: Int64) throws -> RecordHistory {
        var events: [RecordEvent] = []
        var recordID: String?
        recordEventsByKey.bind(1, recordKey)
        try recordEventsByKey.forEachRow(db) { row in
            guard let event = RecordRowDecoder.event(row) else { return }
            let id = row.string(4)
            if recordID == nil { recordID = id }
            if id == recordID { events.append(event) }
        }
        return RecordHistory(events: events)
    }
}

/// Rebuilds stored defaulter events from their columns and detail blob. Rows were validated on
/// import; one that no longer decodes (a hand-edited file) is skipped rather than trusted.
enum DefaulterRowDecoder {
    /// Slot of a field in blob order; looked up once here rather than per decoded field.
    private static func slot(_ field: DefaulterFeed.Field) -> Int {
        DefaulterFeed.detailFields.firstIndex { $0.0 == field } ?? DefaulterFeed.detailFields.count
    }
    private static let name = slot(.iname), card = slot(.cardNum), caseCode = slot(.caseCode), sex = slot(.sexy),
        age = slot(.age), area = slot(.areaName), court = slot(.courtName), gistID = slot(.gistId), gistUnit = slot(.gistUnit),
        duty = slot(.duty), performance = slot(.performance), performedPart = slot(.performedPart),
        unperformedPart = slot(.unperformPart), situation = slot(.disruptTypeName), filed = slot(.regDate), published = slot(.publishDate)

    static func event(_ row: RawRow, texts: [String?]) -> DefaulterEvent? {
        guard let opIndex = row.int(2), DefaulterOperation.allCases.indices.contains(opIndex),
              let effective = row.int(3), let blob = row.blob(5) else { return nil }
        var reader = DetailCodec.Reader(blob[...])
        // One spare slot: a field missing from the layout reads as absent.
        var text = [String?](repeating: nil, count: DefaulterFeed.detailFields.count + 1)
        var integer = [Int?](repeating: nil, count: DefaulterFeed.detailFields.count + 1)
        var caseNumber: CaseNumber?
        var publishedID: PublishedID?
        for index in DefaulterFeed.detailFields.indices {
            switch reader.next() {
            case .absent: break
            case .text(let bytes):
                // The case number and card are parsed from their bytes; other texts become strings.
                if index == caseCode {
                    caseNumber = try? CaseNumber(utf8: bytes)
                } else if index == card {
                    publishedID = try? PublishedID(utf8: bytes)
                } else {
                    text[index] = String(decoding: bytes, as: UTF8.self)
                }
            case .interned(let id):
                guard id > 0, id < texts.count, let value = texts[Int(id)] else { return nil }
                text[index] = value
            case .integer(let value): integer[index] = Int(value)
            case nil: return nil
            }
        }
        guard let entryName = text[name], let caseNumber else { return nil }
        if publishedID == nil, let key = row.int64(4), key >= 0, let id = ResidentID(integerKey: key) {
            publishedID = .full(id)
        }
        let entry = DefaulterEntry(
            name: entryName, publishedID: publishedID, caseNumber: caseNumber, sex: text[sex], age: integer[age],
            area: text[area], court: text[court], basisDocument: text[gistID], basisUnit: text[gistUnit],
            duty: text[duty], performance: text[performance], performedPart: text[performedPart],
            unperformedPart: text[unperformedPart], situation: text[situation],
            filedOn: integer[filed].map(CalendarDay.init(dayNumber:)), publishedOn: integer[published].map(CalendarDay.init(dayNumber:)))
        return DefaulterEvent(
            eventID: row.int64(0) ?? 0, importSequence: row.int64(1) ?? 0, operation: DefaulterOperation.allCases[opIndex],
            effectiveOn: CalendarDay(dayNumber: effective), entry: entry)
    }
}

enum RecordRowDecoder {
    static func event(_ row: RawRow) -> RecordEvent? {
        guard let opIndex = row.int(2), RecordOperation.allCases.indices.contains(opIndex), let effective = row.int(3),
              let recordID = row.string(4) else { return nil }
        var record: DishonestyRecord?
        if let key = row.int64(5), let id = ResidentID(integerKey: key), let name = row.string(6), let category = row.string(7),
           let kind = row.string(8).flatMap(RecordKind.init(rawValue:)), let severity = row.string(10).flatMap(Severity.init(rawValue:)),
           let decided = row.int(11) {
            record = DishonestyRecord(
                recordID: recordID, name: name, residentID: id, category: category, kind: kind,
                sanction: row.string(9).flatMap(SanctionLevel.init(rawValue:)), severity: severity,
                decidedOn: CalendarDay(dayNumber: decided), effectiveUntil: row.int(12).map(CalendarDay.init(dayNumber:)),
                permanent: row.int(13) == 1, issuer: row.string(14), documentNumber: row.string(15), summary: row.string(16))
        }
        return RecordEvent(
            eventID: row.int64(0) ?? 0, importSequence: row.int64(1) ?? 0, operation: RecordOperation.allCases[opIndex],
            effectiveOn: CalendarDay(dayNumber: effective), record: record)
    }
}
