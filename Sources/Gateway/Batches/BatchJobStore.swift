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

        var view: Components.Schemas.BatchJob {
            .init(batchId: id, status: status, total: Int64(total), done: Int64(done), errors: Int64(counts.errors),
                  clear: Int64(counts.clear), review: Int64(counts.review), ineligible: Int64(counts.ineligible),
                  createdAt: createdAt, finishedAt: finishedAt, failure: failure, resultsDigest: resultsDigest)
        }
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
        try migrator.migrate(database)
    }

    func input(_ id: String) -> URL { folder.appendingPathComponent("\(id).input.ndjson") }
    func results(_ id: String) -> URL { folder.appendingPathComponent("\(id).results.ndjson") }

    func insert(_ job: Job) throws {
        let terms = try CheckStore.encoder.encode(job.terms)
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO batches (batch_id, client_id, fingerprint, terms, status, total, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [job.id, job.clientID, job.fingerprint, terms, job.status.rawValue, job.total, job.createdAt.timeIntervalSince1970])
        }
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
            failure: row["failure"], resultsDigest: row["results_digest"])
    }
}
