import CreditCore
import Foundation
import GRDB

extension SQLiteArchive {
    public func importDefaulters(from file: URL, options: ImportOptions) async throws -> ImportReport {
        let today = options.today ?? ChinaTime.day(atUnixSeconds: Int64(Date().timeIntervalSince1970))
        return try await runImport(.defaulters, file: file, options: options, schema: DefaulterFeed.schema) { db, sequence in
            try DefaulterWriter(db: db, sequence: sequence, today: today)
        }
    }

    public func importRecords(from file: URL, options: ImportOptions) async throws -> ImportReport {
        let today = options.today ?? ChinaTime.day(atUnixSeconds: Int64(Date().timeIntervalSince1970))
        let taxonomy = self.taxonomy
        return try await runImport(.records, file: file, options: options, schema: RecordFeed.schema) { db, sequence in
            try RecordWriter(db: db, sequence: sequence, today: today, taxonomy: taxonomy)
        }
    }

    /// The steps every import shares: one transaction; read, validate and write each row; report bad
    /// lines (or, strict, refuse the file); record the import under the file's SHA-256, or roll back
    /// if those exact bytes were imported before.
    private func runImport(
        _ kind: ImportReport.Kind, file: URL, options: ImportOptions, schema: FieldSchema,
        makeWriter: @escaping @Sendable (Database, Int64) throws -> any FeedRowWriter
    ) async throws -> ImportReport {
        let started = Date()
        let source = options.sourceName ?? file.lastPathComponent
        do {
            return try await pool.write { db in
                let sequence = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM imports") ?? 0) + 1
                var writer = try makeWriter(db, sequence)
                var reader = try FeedReader(url: file, schema: schema, format: options.format)
                let format = reader.format
                let encoding = reader.csvEncodingUsed
                var accepted = 0
                var rejected = 0
                var issues: [ImportIssue] = []
                func reject(_ issue: ImportIssue) throws {
                    if options.strict { throw StrictImportError(issue: issue) }
                    rejected += 1
                    if issues.count < options.maxReportedIssues { issues.append(issue) }
                }
                while let item = try reader.next() {
                    switch item {
                    case .bad(let line, let reason):
                        try reject(ImportIssue(line: line, field: nil, code: "feed.syntax", reason: reason))
                    case .row(let row):
                        if let issue = try writer.write(row) { try reject(issue) } else { accepted += 1 }
                    }
                }
                try writer.finish()
                let hash = try reader.finish()
                if let existing = try Int64.fetchOne(db, sql: "SELECT seq FROM imports WHERE kind = ? AND content_hash = ?", arguments: [kind.rawValue, hash]) {
                    throw AlreadyImported(sequence: existing, hash: hash, format: format.rawValue)
                }
                try db.execute(
                    sql: "INSERT INTO imports (seq, kind, source, content_hash, format, imported_at, accepted, rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [sequence, kind.rawValue, source, hash, format.rawValue, Date().timeIntervalSince1970, accepted, rejected])
                return ImportReport(
                    kind: kind, version: ArchiveVersion(sequence: sequence, contentHash: hash), format: format.rawValue,
                    encoding: encoding?.rawValue, accepted: accepted, rejected: rejected, issues: issues,
                    alreadyImported: false, seconds: Date().timeIntervalSince(started))
            }
        } catch let repeated as AlreadyImported {
            return ImportReport(
                kind: kind, version: ArchiveVersion(sequence: repeated.sequence, contentHash: repeated.hash), format: repeated.format,
                encoding: nil, accepted: 0, rejected: 0, issues: [], alreadyImported: true, seconds: Date().timeIntervalSince(started))
        }
    }
}

/// Thrown inside the import transaction to roll it back when the same bytes were imported before.
private struct AlreadyImported: Error {
    var sequence: Int64
    var hash: String
    var format: String
}

/// Validates and stores one kind of feed row.
protocol FeedRowWriter {
    /// Stores the row, or returns why it was refused.
    mutating func write(_ row: FieldRow) throws -> ImportIssue?
    mutating func finish() throws
}

struct DefaulterWriter: FeedRowWriter {
    let db: Database
    let sequence: Int64
    let today: CalendarDay
    let insert: RawStatement
    var shapes: Set<UInt32> = []
    /// True when the archive held no listing events: indexes are built once at the end.
    let bulk: Bool

    init(db: Database, sequence: Int64, today: CalendarDay) throws {
        self.db = db
        self.sequence = sequence
        self.today = today
        self.bulk = try !(Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM defaulter_events)") ?? false)
        if bulk { try Schema.dropDefaulterIndexes(db) }
        self.insert = RawStatement(try db.makeStatement(sql: """
            INSERT INTO defaulter_events (import_seq, op, effective_day, entry_key, id_key, probable_key, name, card_num,
                sex, age, area, case_code, court, gist_id, gist_unit, duty, performance, performed_part, unperformed_part,
                situation, filed_day, published_day)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
            """))
    }

    mutating func write(_ row: FieldRow) throws -> ImportIssue? {
        let line: DefaulterFeed.Line
        switch DefaulterFeed.validate(row, today: today) {
        case .failure(let issue): return issue
        case .success(let valid): line = valid
        }
        let entry = line.entry
        var idKey: Int64?
        var probableKey: Int64?
        var cardText: String?
        switch entry.publishedID {
        case .full(let id):
            idKey = id.integerKey
            // Keep a legacy 15-digit number as recorded; an 18-digit one is rebuilt from id_key.
            if let raw = row[DefaulterFeed.Field.cardNum.rawValue], raw.utf8.count == 15 { cardText = raw }
        case .masked(let mask):
            probableKey = ProbableMatchKey.make(name: entry.normalisedName, mask: mask)
            cardText = mask.description
            shapes.insert(mask.shape)
        case nil:
            break
        }
        let s = insert
        s.bind(1, sequence)
        s.bind(2, Int64(DefaulterOperation.allCases.firstIndex(of: line.operation) ?? 0))
        s.bind(3, Int64(line.effectiveOn.dayNumber))
        s.bind(4, entry.entryKey)
        s.bind(5, idKey)
        s.bind(6, probableKey)
        s.bind(7, entry.name)
        s.bind(8, cardText)
        s.bind(9, entry.sex)
        s.bind(10, entry.age)
        s.bind(11, entry.area)
        s.bind(12, entry.caseNumber.normalised)
        s.bind(13, entry.court)
        s.bind(14, entry.basisDocument)
        s.bind(15, entry.basisUnit)
        s.bind(16, entry.duty)
        s.bind(17, entry.performance)
        s.bind(18, entry.performedPart)
        s.bind(19, entry.unperformedPart)
        s.bind(20, entry.situation)
        s.bind(21, entry.filedOn?.dayNumber)
        s.bind(22, entry.publishedOn?.dayNumber)
        try s.run(db)
        return nil
    }

    mutating func finish() throws {
        if bulk { try Schema.createDefaulterIndexes(db) }
        for shape in shapes {
            try db.execute(sql: "INSERT OR IGNORE INTO mask_shapes (shape) VALUES (?)", arguments: [Int64(shape)])
        }
    }
}

struct RecordWriter: FeedRowWriter {
    let db: Database
    let sequence: Int64
    let today: CalendarDay
    let taxonomy: Taxonomy
    let insert: RawStatement

    init(db: Database, sequence: Int64, today: CalendarDay, taxonomy: Taxonomy) throws {
        self.db = db
        self.sequence = sequence
        self.today = today
        self.taxonomy = taxonomy
        self.insert = RawStatement(try db.makeStatement(sql: """
            INSERT INTO record_events (import_seq, op, effective_day, record_key, record_id, id_key, name, category, kind,
                sanction, severity, decided_day, effective_until_day, permanent, issuer, document_number, summary)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
            """))
    }

    mutating func write(_ row: FieldRow) throws -> ImportIssue? {
        let line: RecordFeed.Line
        switch RecordFeed.validate(row, today: today, taxonomy: taxonomy) {
        case .failure(let issue): return issue
        case .success(let valid): line = valid
        }
        let record = line.record
        let s = insert
        s.bind(1, sequence)
        s.bind(2, Int64(RecordOperation.allCases.firstIndex(of: line.operation) ?? 0))
        s.bind(3, Int64(line.effectiveOn.dayNumber))
        s.bind(4, DishonestyRecord.recordKey(for: line.recordID))
        s.bind(5, line.recordID)
        s.bind(6, record?.residentID.integerKey)
        s.bind(7, record?.name)
        s.bind(8, record?.category)
        s.bind(9, record?.kind.rawValue)
        s.bind(10, record?.sanction?.rawValue)
        s.bind(11, record?.severity.rawValue)
        s.bind(12, record?.decidedOn.dayNumber)
        s.bind(13, record?.effectiveUntil?.dayNumber)
        s.bind(14, record.map { $0.permanent ? 1 : 0 })
        s.bind(15, record?.issuer)
        s.bind(16, record?.documentNumber)
        s.bind(17, record?.summary)
        try s.run(db)
        return nil
    }

    mutating func finish() throws {}
}
