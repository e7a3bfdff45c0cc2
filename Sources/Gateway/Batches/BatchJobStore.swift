import Foundation
import GRDB
import GatewayAPI

/// Batch jobs (`batches.sqlite`) and their files (`batches/<id>.input.ndjson`, `<id>.results.ndjson`).
///
/// Progress is committed only after a chunk's results are written and synced, together with the
/// results file's length and the input offset reached: after a crash, a job truncates its results
/// to that length and resumes at that offset, so no line is lost and none is answered twice in the
/// results.
package struct BatchJobStore: Sendable {
    let database: DatabaseQueue
    let folder: URL

    /// What a job checks with: fixed when the job is accepted (`asOf` resolved to a day then).
    struct Terms: Codable, Sendable {
        var purpose: Components.Schemas.Purpose
        var policy: String
        var asOf: String
        var `operator`: String?
    }

    struct Job: Sendable {
        var id: String
        var clientID: String
        var fingerprint: String
        var terms: Terms
        var status: Components.Schemas.BatchJob.StatusPayload
        var total: Int
        var done: Int
        var counts: Counts
        var inputOffset: Int
        var resultsBytes: Int
        var createdAt: Date
        var finishedAt: Date?
        var failure: String?
        var resultsDigest: String?
        /// The caller's name for the job and the keyed digest of the body it sent, so that the same
        /// request sent again answers this job instead of starting another.
        var idempotency: BatchJobStore.Idempotency?

        var view: Components.Schemas.BatchJob {
            .init(batchId: id, status: status, total: Int64(total), done: Int64(done), errors: Int64(counts.errors),
                  clear: Int64(counts.clear), review: Int64(counts.review), ineligible: Int64(counts.ineligible),
                  createdAt: createdAt, finishedAt: finishedAt, failure: failure, resultsDigest: resultsDigest)
        }
    }

    struct Idempotency: Sendable, Hashable {
        var key: String
        var requestDigest: String
    }

    struct Counts: Sendable {
        var errors = 0, clear = 0, review = 0, ineligible = 0
    }

    init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.label = "batches"
        database = try DatabaseQueue(path: folder.appendingPathComponent("batches.sqlite").path, configuration: configuration)
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL")
        }
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
        try migrator.migrate(database)
    }

    func input(_ id: String) -> URL { folder.appendingPathComponent("\(id).input.ndjson") }
    func results(_ id: String) -> URL { folder.appendingPathComponent("\(id).results.ndjson") }

    /// Inserts a new job; when another job of the same client already holds its idempotency key,
    /// inserts nothing and returns that job.
    func insert(_ job: Job) throws -> Job? {
        let terms = try CheckStore.encoder.encode(job.terms)
        return try database.write { db in
            if let idempotency = job.idempotency, let earlier = try Self.job(db, client: job.clientID, idempotencyKey: idempotency.key) {
                return earlier
            }
            try db.execute(sql: """
                INSERT INTO batches (batch_id, client_id, fingerprint, terms, status, total, created_at, idempotency_key, request_digest)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [job.id, job.clientID, job.fingerprint, terms, job.status.rawValue, job.total, job.createdAt.timeIntervalSince1970,
                                 job.idempotency?.key, job.idempotency?.requestDigest])
            return nil
        }
    }

    /// The job a client made with an idempotency key.
    func job(client: String, idempotencyKey: String) throws -> Job? {
        try database.read { db in try Self.job(db, client: client, idempotencyKey: idempotencyKey) }
    }

    private static func job(_ db: Database, client: String, idempotencyKey: String) throws -> Job? {
        try Row.fetchOne(db, sql: "SELECT * FROM batches WHERE client_id = ? AND idempotency_key = ?", arguments: [client, idempotencyKey])
            .map(Self.job)
    }

    func job(_ id: String) throws -> Job? {
        try database.read { db in try Row.fetchOne(db, sql: "SELECT * FROM batches WHERE batch_id = ?", arguments: [id]).map(Self.job) }
    }

    /// The oldest job not finished or failed.
    func nextUnfinished() throws -> Job? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM batches WHERE status IN ('queued', 'running') ORDER BY created_at LIMIT 1").map(Self.job)
        }
    }

    /// Commits a chunk's progress (its results are already synced to disk).
    func progress(_ job: Job) throws {
        try database.write { db in
            try db.execute(sql: """
                UPDATE batches SET status = ?, done = ?, errors = ?, clear = ?, review = ?, ineligible = ?, input_offset = ?,
                    results_bytes = ?, finished_at = ?, failure = ?, results_digest = ? WHERE batch_id = ?
                """, arguments: [job.status.rawValue, job.done, job.counts.errors, job.counts.clear, job.counts.review, job.counts.ineligible,
                                 job.inputOffset, job.resultsBytes, job.finishedAt?.timeIntervalSince1970, job.failure, job.resultsDigest, job.id])
        }
    }

    private static func job(_ row: Row) throws -> Job {
        Job(id: row["batch_id"], clientID: row["client_id"], fingerprint: row["fingerprint"],
            terms: try CheckStore.decoder.decode(Terms.self, from: row["terms"] as Data),
            status: Components.Schemas.BatchJob.StatusPayload(rawValue: row["status"]) ?? .failed,
            total: row["total"], done: row["done"],
            counts: Counts(errors: row["errors"], clear: row["clear"], review: row["review"], ineligible: row["ineligible"]),
            inputOffset: row["input_offset"], resultsBytes: row["results_bytes"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            failure: row["failure"], resultsDigest: row["results_digest"],
            idempotency: (row["idempotency_key"] as String?).map { Idempotency(key: $0, requestDigest: row["request_digest"] ?? "") })
    }
}
