import ArchiveClient
import CreditCore
import Foundation
import GRDB
import Synchronization

extension SQLiteArchive {
    public func importDefaulters(from file: URL, options: ImportOptions) async throws -> ImportReport {
        let today = options.today ?? ChinaTime.today
        return try await runImport(.defaulters, file: file, options: options, schema: DefaulterFeed.schema) { db, sequence in
            let store = try DefaulterStore(db: db, sequence: sequence)
            let encoder = DefaulterEncoder(today: today, interner: try TextInterner(existing: store.existingTexts()))
            return (store, { encoder.encode($0) })
        }
    }

    public func importRecords(from file: URL, options: ImportOptions) async throws -> ImportReport {
        let today = options.today ?? ChinaTime.today
        let taxonomy = self.taxonomy
        return try await runImport(.records, file: file, options: options, schema: RecordFeed.schema) { db, sequence in
            (try RecordStore(db: db, sequence: sequence), { RecordFeed.validate($0, today: today, taxonomy: taxonomy) })
        }
    }

    /// The steps every import shares: one transaction; the feed read, validated and encoded on
    /// other threads (``ImportPipeline``) while this one stores; bad lines reported (or, strict, the
    /// file refused); the import recorded under the file's SHA-256, or rolled back if those exact
    /// bytes were imported before. Afterwards the WAL is checkpointed so readers find the new pages in
    /// the database file.
    private func runImport<Store: FeedStore>(
        _ kind: ImportReport.Kind, file: URL, options: ImportOptions, schema: FieldSchema,
        prepare: @escaping @Sendable (Database, Int64) throws -> (Store, @Sendable (FieldRow) -> Result<Store.Encoded, ImportIssue>)
    ) async throws -> ImportReport {
        let started = Date()
        let source = options.sourceName ?? file.lastPathComponent
        let rollbackJournal = kind == .defaulters ? try await enterFirstLoadJournal() : false
        let report: ImportReport
        do {
            report = try await pool.write { db in
                let sequence = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM imports") ?? 0) + 1
                var (store, encode) = try prepare(db, sequence)
                let pipeline = ImportPipeline<Store.Encoded>()
                pipeline.start(url: file, schema: schema, format: options.format, encode: encode)
                defer { pipeline.cancel() }
                var tally = ImportTally()
                while !tally.isFinished {
                    for encoded in try tally.take(pipeline.receive(), options: options) { try store.store(encoded) }
                }
                let contentHash = tally.contentHash ?? ""
                if let existing = try Int64.fetchOne(db, sql: "SELECT seq FROM imports WHERE kind = ? AND content_hash = ?", arguments: [kind.rawValue, contentHash]) {
                    throw AlreadyImported(sequence: existing, hash: contentHash, format: tally.format.rawValue)
                }
                try store.finish()
                try db.execute(
                    sql: "INSERT INTO imports (seq, kind, source, content_hash, format, imported_at, accepted, rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [sequence, kind.rawValue, source, contentHash, tally.format.rawValue, Date().timeIntervalSince1970, tally.accepted, tally.rejected])
                return tally.report(kind, sequence: sequence, seconds: 0)
            }
        } catch let repeated as AlreadyImported {
            if rollbackJournal { try await leaveFirstLoadJournal() }
            return repeated.report(kind, seconds: Date().timeIntervalSince(started))
        } catch {
            if rollbackJournal { try await leaveFirstLoadJournal() }
            throw error
        }
        if rollbackJournal {
            try await leaveFirstLoadJournal()
        } else {
            try await pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
        var timed = report
        timed.seconds = Date().timeIntervalSince(started)
        return timed
    }
}

extension SQLiteArchive {
    /// The first load of listings into an archive writes gigabytes. In WAL mode every page would be
    /// written twice (to the WAL, then checkpointed into the file); under a rollback journal it is
    /// written once, straight into the file, and the journal keeps only the few pages that existed
    /// before, so the import is still one atomic transaction that a crash rolls back. Switching needs
    /// the archive to itself: when another connection has it open, the import simply stays in WAL.
    fileprivate func enterFirstLoadJournal() async throws -> Bool {
        try await pool.writeWithoutTransaction { db in
            guard try !(Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM defaulter_events)") ?? true) else { return false }
            let mode = try? String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
            return mode?.lowercased() == "delete"
        }
    }

    fileprivate func leaveFirstLoadJournal() async throws {
        try await pool.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        }
    }
}

/// Stores one kind of encoded feed line inside the import transaction.
protocol FeedStore: SendableMetatype {
    associatedtype Encoded: Sendable
    mutating func store(_ encoded: Encoded) throws
    /// Called once all lines are stored, before the import is recorded.
    mutating func finish() throws
}

struct DefaulterStore: FeedStore {
    let db: Database
    let sequence: Int64
    let insert: RawStatement
    let insertText: RawStatement
    var shapes: Set<UInt32> = []
    /// True when the archive held no listing events: indexes are dropped and built once at the end,
    /// a sorted build being several times faster than millions of random inserts.
    let bulk: Bool

    init(db: Database, sequence: Int64) throws {
        self.db = db
        self.sequence = sequence
        self.bulk = try !(Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM defaulter_events)") ?? false)
        if bulk { try Schema.dropDefaulterIndexes(db) }
        // SQLite gives each event the id after the largest, so ids follow the file: a listing's
        // history is read back in that order.
        insert = RawStatement(try db.makeStatement(sql: """
            INSERT INTO defaulter_events (import_seq, op, effective_day, entry_key, match_key, detail)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            """))
        insertText = RawStatement(try db.makeStatement(sql: "INSERT INTO texts (id, text) VALUES (?1, ?2)"))
    }

    func existingTexts() throws -> [(id: Int64, text: [UInt8])] {
        try Row.fetchAll(db, sql: "SELECT id, text FROM texts").map { ($0[0], Array(($0[1] as String).utf8)) }
    }

    mutating func store(_ event: DefaulterFeed.Encoded) throws {
        for (id, text) in event.newTexts {
            insertText.bind(1, id)
            insertText.bind(2, String(decoding: text, as: UTF8.self))
            try insertText.run(db)
        }
        if let shape = event.maskShape { shapes.insert(shape) }
        insert.bind(1, sequence)
        insert.bind(2, Int64(DefaulterOperation.allCases.firstIndex(of: event.operation) ?? 0))
        insert.bind(3, Int64(event.effectiveDay))
        insert.bind(4, event.entryKey)
        insert.bind(5, event.matchKey)
        insert.bind(6, blob: event.detail)
        try insert.run(db)
    }

    mutating func finish() throws {
        if bulk {
            // Sort the index keys with a helper thread, as SQLite can for CREATE INDEX, and in
            // memory as far as the import's memory budget allows.
            try db.execute(sql: "PRAGMA threads = 2")
            try Schema.createDefaulterIndexes(db)
        }
        for shape in shapes {
            try db.execute(sql: "INSERT OR IGNORE INTO mask_shapes (shape) VALUES (?)", arguments: [Int64(shape)])
        }
    }
}

struct RecordStore: FeedStore {
    let db: Database
    let sequence: Int64
    let insert: RawStatement

    init(db: Database, sequence: Int64) throws {
        self.db = db
        self.sequence = sequence
        self.insert = RawStatement(try db.makeStatement(sql: """
            INSERT INTO record_events (import_seq, op, effective_day, record_key, record_id, id_key, name, category, kind,
                sanction, severity, decided_day, effective_until_day, permanent, issuer, document_number, summary)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
            """))
    }

    mutating func store(_ line: RecordFeed.Line) throws {
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
    }

    mutating func finish() throws {}
}
