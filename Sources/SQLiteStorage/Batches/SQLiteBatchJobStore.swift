import Foundation
import GRDB
import Storage

/// Batch jobs in one SQLite file (`batches/batches.sqlite` in the state folder), with a rollback
/// journal (`journal_mode = TRUNCATE`) and `synchronous = FULL`: a committed chunk survives power
/// loss.
///
/// Not WAL, unlike the gateway's other files: a job's result lines are most of what the gateway
/// writes (1.7 GB for a million lines), and through a WAL every page is written twice, once into
/// the log and once more by its checkpoint. A rollback journal keeps only the pages a commit
/// changes (a few B-tree pages; the new lines go to new pages), so the lines are written once. One
/// connection serves the file (a `DatabaseQueue`), so nothing is lost of WAL's readers beside a
/// writer. A 1M-line job took 29.5–31.5 s instead of 32.7–35.1 s (2026-12-05, alternated runs).
///
/// A job's input (one full ID a line) is kept only while the job runs (PIPL's minimisation): a
/// finished job's input rows are deleted with `secure_delete` on, so SQLite zeroes their pages
/// rather than leaving the bytes in free pages, and the journal, which holds them while the
/// delete commits, is truncated when it has.
///
/// - `batches`: one row per job (terms, progress, lease);
/// - `batch_input(batch_id, chunk, lines)`: the input while the job runs, a chunk of lines a row;
/// - `batch_results(batch_id, chunk, lines)`: the result lines, a chunk a row;
/// - `batch_checks(check_id, batch_id, chunk, line)`: which result line answered which check.
public struct SQLiteBatchJobStore: BatchJobStore {
    let database: DatabaseQueue

    /// Opens (creating if needed) `folder/batches.sqlite`. Jobs of earlier versions, whose input and
    /// results were files in `folder`, are moved into the file (``LegacyBatchFiles``).
    public init(folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.label = "batches"
        configuration.busyMode = .timeout(30)
        database = try DatabaseQueue(path: folder.appendingPathComponent("batches.sqlite").path, configuration: configuration)
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = TRUNCATE; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON")
        }
        try Self.migrator(folder: folder).migrate(database)
        LegacyBatchFiles.remove(in: folder)
    }

    static func migrator(folder: URL) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE batches (
                    batch_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, fingerprint TEXT NOT NULL, terms BLOB NOT NULL,
                    status TEXT NOT NULL, total INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0,
                    errors INTEGER NOT NULL DEFAULT 0, clear INTEGER NOT NULL DEFAULT 0, review INTEGER NOT NULL DEFAULT 0,
                    ineligible INTEGER NOT NULL DEFAULT 0, input_offset INTEGER NOT NULL DEFAULT 0,
                    results_bytes INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL, finished_at REAL,
                    failure TEXT, results_digest TEXT
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2 idempotency keys") { db in
            try db.execute(sql: """
                ALTER TABLE batches ADD COLUMN idempotency_key TEXT;
                ALTER TABLE batches ADD COLUMN request_digest TEXT;
                CREATE UNIQUE INDEX batches_idempotency ON batches (client_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
                """)
        }
        migrator.registerMigration("v3 input and results in the database, leases") { db in
            try db.execute(sql: """
                ALTER TABLE batches ADD COLUMN next_chunk INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE batches ADD COLUMN lease_owner TEXT;
                ALTER TABLE batches ADD COLUMN lease_until REAL;
                CREATE TABLE batch_input (batch_id TEXT NOT NULL, chunk INTEGER NOT NULL, lines BLOB NOT NULL, PRIMARY KEY (batch_id, chunk));
                CREATE TABLE batch_results (batch_id TEXT NOT NULL, chunk INTEGER NOT NULL, lines BLOB NOT NULL, PRIMARY KEY (batch_id, chunk));
                """)
            try LegacyBatchFiles.move(in: folder, into: db)
        }
        migrator.registerMigration("v4 checks answered by jobs") { db in
            try db.execute(sql: """
                CREATE TABLE batch_checks (check_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, chunk INTEGER NOT NULL, line INTEGER NOT NULL) WITHOUT ROWID;
                """)
        }
        return migrator
    }

    public func create(_ job: BatchJobRecord, input: URL) async throws -> BatchJobRecord? {
        try await database.write { db in
            if let idempotency = job.idempotency,
               let earlier = try Row.fetchOne(db, sql: "SELECT * FROM batches WHERE client_id = ? AND idempotency_key = ?",
                                              arguments: [job.clientID, idempotency.key]) {
                return try Self.job(earlier)
            }
            try db.execute(sql: """
                INSERT INTO batches (batch_id, client_id, fingerprint, terms, status, total, created_at, idempotency_key, request_digest)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [job.id, job.clientID, job.fingerprint, job.termsJSON, job.status.rawValue, job.total,
                                 job.createdAt.timeIntervalSince1970, job.idempotency?.key, job.idempotency?.requestDigest])
            let insert = try db.makeStatement(sql: "INSERT INTO batch_input (batch_id, chunk, lines) VALUES (?, ?, ?)")
            var chunks = try BatchInputChunks(file: input)
            while let (number, blob) = try chunks.next() { try insert.execute(arguments: [job.id, number, blob]) }
            return nil
        }
    }

    public func job(_ id: String) async throws -> BatchJobRecord? {
        try await database.read { db in try Row.fetchOne(db, sql: "SELECT * FROM batches WHERE batch_id = ?", arguments: [id]).map(Self.job) }
    }

    public func claim(owner: String, now: Date, until: Date) async throws -> BatchJobRecord? {
        try await database.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT * FROM batches WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until <= ?)
                ORDER BY created_at LIMIT 1
                """, arguments: [now.timeIntervalSince1970]) else { return nil }
            var job = try Self.job(row)
            job.status = .running
            try db.execute(sql: "UPDATE batches SET status = 'running', lease_owner = ?, lease_until = ? WHERE batch_id = ?",
                           arguments: [owner, until.timeIntervalSince1970, job.id])
            return job
        }
    }

    public func input(_ id: String, chunk: Int) async throws -> [Data] {
        let blob = try await database.read { db in
            try Data.fetchOne(db, sql: "SELECT lines FROM batch_input WHERE batch_id = ? AND chunk = ?", arguments: [id, chunk])
        }
        return blob.map(BatchInputChunks.lines) ?? []
    }

    public func commit(_ job: BatchJobRecord, chunk: Int, results: Data, checks: [BatchCheck], owner: String, until: Date) async throws {
        try await database.write { db in
            try Self.update(db, job, owner: owner, leaseUntil: until.timeIntervalSince1970)
            try db.execute(sql: "INSERT INTO batch_results (batch_id, chunk, lines) VALUES (?, ?, ?)", arguments: [job.id, chunk, results])
            let insert = RawStatement(try db.cachedStatement(sql: "INSERT INTO batch_checks (check_id, batch_id, chunk, line) VALUES (?, ?, ?, ?)"))
            for check in checks {
                insert.bind(1, check.checkID)
                insert.bind(2, job.id)
                insert.bind(3, chunk)
                insert.bind(4, check.line)
                try insert.run(db)
            }
        }
    }

    public func finish(_ job: BatchJobRecord, owner: String) async throws {
        try await database.write { db in
            try Self.update(db, job, owner: owner, leaseUntil: nil)
            try db.execute(sql: "DELETE FROM batch_input WHERE batch_id = ?", arguments: [job.id])
        }
    }

    public func renew(_ id: String, owner: String, until: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE batches SET lease_until = ? WHERE batch_id = ? AND lease_owner = ?",
                           arguments: [until.timeIntervalSince1970, id, owner])
            guard db.changesCount == 1 else { throw BatchLeaseLost(jobID: id) }
        }
    }

    public func release(_ id: String, owner: String) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE batches SET lease_owner = NULL, lease_until = NULL WHERE batch_id = ? AND lease_owner = ?",
                           arguments: [id, owner])
        }
    }

    public func results(_ id: String, chunk: Int) async throws -> Data? {
        try await database.read { db in
            try Data.fetchOne(db, sql: "SELECT lines FROM batch_results WHERE batch_id = ? AND chunk = ?", arguments: [id, chunk])
        }
    }

    public func answer(_ checkID: String) async throws -> BatchAnswer? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT b.client_id, r.lines, c.line FROM batch_checks c
                JOIN batch_results r ON r.batch_id = c.batch_id AND r.chunk = c.chunk
                JOIN batches b ON b.batch_id = c.batch_id
                WHERE c.check_id = ?
                """, arguments: [checkID]), let line = BatchAnswer.line(row[2], of: row[1]) else { return nil }
            return BatchAnswer(clientID: row[0], line: line)
        }
    }

    /// Writes a job's progress if `owner` holds its lease; `leaseUntil` nil frees the lease.
    private static func update(_ db: Database, _ job: BatchJobRecord, owner: String, leaseUntil: Double?) throws {
        try db.execute(sql: """
            UPDATE batches SET status = ?, done = ?, errors = ?, clear = ?, review = ?, ineligible = ?, next_chunk = ?,
                results_bytes = ?, finished_at = ?, failure = ?, results_digest = ?, lease_until = ?,
                lease_owner = CASE WHEN ? IS NULL THEN NULL ELSE lease_owner END
            WHERE batch_id = ? AND lease_owner = ?
            """, arguments: [job.status.rawValue, job.done, job.counts.errors, job.counts.clear, job.counts.review, job.counts.ineligible,
                             job.nextChunk, job.resultsBytes, job.finishedAt?.timeIntervalSince1970, job.failure, job.resultsDigest,
                             leaseUntil, leaseUntil, job.id, owner])
        guard db.changesCount == 1 else { throw BatchLeaseLost(jobID: job.id) }
    }

    static func job(_ row: Row) throws -> BatchJobRecord {
        BatchJobRecord(
            id: row["batch_id"], clientID: row["client_id"], fingerprint: row["fingerprint"], termsJSON: row["terms"],
            status: BatchJobRecord.Status(rawValue: row["status"]) ?? .failed, total: row["total"], done: row["done"],
            counts: .init(errors: row["errors"], clear: row["clear"], review: row["review"], ineligible: row["ineligible"]),
            nextChunk: row["next_chunk"], resultsBytes: row["results_bytes"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)), failure: row["failure"],
            resultsDigest: row["results_digest"],
            idempotency: (row["idempotency_key"] as String?).map { .init(key: $0, requestDigest: row["request_digest"] ?? "") })
    }
}
