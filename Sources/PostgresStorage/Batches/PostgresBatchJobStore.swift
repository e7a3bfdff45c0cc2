import Foundation
import NIOCore
import PostgresNIO
import Storage

/// Batch jobs in PostgreSQL: any gateway can report on a job, serve its results or take it over.
///
/// A claim picks the oldest free job with `FOR UPDATE SKIP LOCKED`, so gateways claiming at once
/// never wait on each other nor take the same job; a commit or finish writes only where the
/// committer still holds the lease (`WHERE lease_owner = …`).
public struct PostgresBatchJobStore: BatchJobStore {
    let engine: PostgresEngine

    public init(_ engine: PostgresEngine) {
        self.engine = engine
    }

    static let columns = """
        batch_id, client_id, fingerprint, terms, status, total, done, errors, clear, review, ineligible, next_chunk,
        results_bytes, created_at, finished_at, failure, results_digest, idempotency_key, request_digest
        """

    public func create(_ job: BatchJobRecord, input: URL) async throws -> BatchJobRecord? {
        try await engine.transaction { connection in
            // The key's holder, if another request made it first (concurrent duplicates wait here).
            if let idempotency = job.idempotency {
                let lock = "creditgate.batch.\(job.clientID).\(idempotency.key)"
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(lock), 0))", logger: engine.logger)
                let earlier = try Self.jobs(await connection.query("""
                    SELECT \(unescaped: Self.columns) FROM batches WHERE client_id = \(job.clientID) AND idempotency_key = \(idempotency.key)
                    """, logger: engine.logger).collect())
                if let earlier = earlier.first { return earlier }
            }
            try await connection.query("""
                INSERT INTO batches (batch_id, client_id, fingerprint, terms, status, total, created_at, idempotency_key, request_digest)
                VALUES (\(job.id), \(job.clientID), \(job.fingerprint), \(ByteBuffer(data: job.termsJSON)), \(job.status.rawValue),
                        \(Int64(job.total)), \(job.createdAt.timeIntervalSince1970), \(job.idempotency?.key), \(job.idempotency?.requestDigest))
                """, logger: engine.logger)
            var chunks = try BatchInputChunks(file: input)
            // A few chunks per statement: a million lines are 500 chunks.
            var pending: [(number: Int32, blob: ByteBuffer)] = []
            func flush() async throws {
                guard !pending.isEmpty else { return }
                try await connection.query("""
                    INSERT INTO batch_input (batch_id, chunk, lines)
                    SELECT \(job.id), chunk, lines FROM unnest(\(pending.map(\.number))::integer[], \(pending.map(\.blob))::bytea[]) AS given (chunk, lines)
                    """, logger: engine.logger)
                pending = []
            }
            while let (number, blob) = try chunks.next() {
                pending.append((Int32(number), ByteBuffer(data: blob)))
                if pending.count == 16 { try await flush() }
            }
            try await flush()
            return nil
        }
    }

    public func job(_ id: String) async throws -> BatchJobRecord? {
        try Self.jobs(await engine.query("SELECT \(unescaped: Self.columns) FROM batches WHERE batch_id = \(id)")).first
    }

    public func claim(owner: String, now: Date, until: Date) async throws -> BatchJobRecord? {
        try Self.jobs(await engine.query("""
            UPDATE batches SET status = 'running', lease_owner = \(owner), lease_until = \(until.timeIntervalSince1970)
            WHERE batch_id = (
                SELECT batch_id FROM batches
                WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until <= \(now.timeIntervalSince1970))
                ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.columns)
            """)).first
    }

    public func input(_ id: String, chunk: Int) async throws -> [Data] {
        for blob in try await engine.query("""
            SELECT lines FROM batch_input WHERE batch_id = \(id) AND chunk = \(Int32(chunk))
            """).decode(ByteBuffer.self) {
            return BatchInputChunks.lines(Data(buffer: blob))
        }
        return []
    }

    public func commit(_ job: BatchJobRecord, chunk: Int, results: Data, checks: [BatchCheck], owner: String, until: Date) async throws {
        try await engine.transaction { connection in
            try await update(job, owner: owner, leaseUntil: until.timeIntervalSince1970, on: connection)
            try await connection.query("""
                INSERT INTO batch_results (batch_id, chunk, lines) VALUES (\(job.id), \(Int32(chunk)), \(ByteBuffer(data: results)))
                """, logger: engine.logger)
            guard !checks.isEmpty else { return }
            try await connection.query("""
                INSERT INTO batch_checks (check_id, batch_id, chunk, line)
                SELECT id, \(job.id), \(Int32(chunk)), line FROM unnest(\(checks.map(\.checkID))::text[], \(checks.map { Int32($0.line) })::integer[]) AS answered (id, line)
                """, logger: engine.logger)
        }
    }

    public func finish(_ job: BatchJobRecord, owner: String) async throws {
        try await engine.transaction { connection in
            try await update(job, owner: owner, leaseUntil: nil, on: connection)
            try await connection.query("DELETE FROM batch_input WHERE batch_id = \(job.id)", logger: engine.logger)
        }
    }

    public func renew(_ id: String, owner: String, until: Date) async throws {
        let renewed = try await engine.query("""
            UPDATE batches SET lease_until = \(until.timeIntervalSince1970) WHERE batch_id = \(id) AND lease_owner = \(owner) RETURNING 1
            """)
        guard renewed.count == 1 else { throw BatchLeaseLost(jobID: id) }
    }

    public func release(_ id: String, owner: String) async throws {
        try await engine.query("UPDATE batches SET lease_owner = NULL, lease_until = NULL WHERE batch_id = \(id) AND lease_owner = \(owner)")
    }

    public func results(_ id: String, chunk: Int) async throws -> Data? {
        for blob in try await engine.query("""
            SELECT lines FROM batch_results WHERE batch_id = \(id) AND chunk = \(Int32(chunk))
            """).decode(ByteBuffer.self) {
            return Data(buffer: blob)
        }
        return nil
    }

    public func answer(_ checkID: String) async throws -> BatchAnswer? {
        for (client, blob, line) in try await engine.query("""
            SELECT b.client_id, r.lines, c.line FROM batch_checks c
            JOIN batch_results r ON r.batch_id = c.batch_id AND r.chunk = c.chunk
            JOIN batches b ON b.batch_id = c.batch_id
            WHERE c.check_id = \(checkID)
            """).decode((String, ByteBuffer, Int32).self) {
            return BatchAnswer.line(Int(line), of: Data(buffer: blob)).map { BatchAnswer(clientID: client, line: $0) }
        }
        return nil
    }

    /// Writes a job's progress if `owner` holds its lease; `leaseUntil` nil frees the lease.
    private func update(_ job: BatchJobRecord, owner: String, leaseUntil: Double?, on connection: PostgresConnection) async throws {
        let updated = try await connection.query("""
            UPDATE batches SET status = \(job.status.rawValue), done = \(Int64(job.done)), errors = \(Int64(job.counts.errors)),
                clear = \(Int64(job.counts.clear)), review = \(Int64(job.counts.review)), ineligible = \(Int64(job.counts.ineligible)),
                next_chunk = \(Int32(job.nextChunk)), results_bytes = \(Int64(job.resultsBytes)),
                finished_at = \(job.finishedAt?.timeIntervalSince1970), failure = \(job.failure), results_digest = \(job.resultsDigest),
                lease_until = \(leaseUntil), lease_owner = CASE WHEN \(leaseUntil)::double precision IS NULL THEN NULL ELSE lease_owner END
            WHERE batch_id = \(job.id) AND lease_owner = \(owner)
            RETURNING 1
            """, logger: engine.logger).collect()
        guard updated.count == 1 else { throw BatchLeaseLost(jobID: job.id) }
    }

    private static func jobs(_ rows: [PostgresRow]) throws -> [BatchJobRecord] {
        var jobs: [BatchJobRecord] = []
        for row in rows {
            let (id, client, fingerprint, terms, status, total, done, errors, clear, review, ineligible) =
                try row.decode((String, String, String, ByteBuffer, String, Int64, Int64, Int64, Int64, Int64, Int64).self)
            let columns = row.makeRandomAccess()
            let nextChunk = try columns[11].decode(Int32.self)
            let resultsBytes = try columns[12].decode(Int64.self)
            let createdAt = try columns[13].decode(Double.self)
            let finishedAt = try columns[14].decode(Double?.self)
            let failure = try columns[15].decode(String?.self)
            let digest = try columns[16].decode(String?.self)
            let key = try columns[17].decode(String?.self)
            let requestDigest = try columns[18].decode(String?.self)
            jobs.append(BatchJobRecord(
                id: id, clientID: client, fingerprint: fingerprint, termsJSON: Data(buffer: terms),
                status: BatchJobRecord.Status(rawValue: status) ?? .failed, total: Int(total), done: Int(done),
                counts: .init(errors: Int(errors), clear: Int(clear), review: Int(review), ineligible: Int(ineligible)),
                nextChunk: Int(nextChunk), resultsBytes: Int(resultsBytes), createdAt: Date(timeIntervalSince1970: createdAt),
                finishedAt: finishedAt.map(Date.init(timeIntervalSince1970:)), failure: failure, resultsDigest: digest,
                idempotency: key.map { .init(key: $0, requestDigest: requestDigest ?? "") }))
        }
        return jobs
    }
}
