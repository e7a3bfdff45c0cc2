import PostgresNIO

/// The tables of every store, in the engine's schema, and the migrations that make them.
///
/// Applied migrations are recorded in `creditgate_migrations`; each runs once, all of them in one
/// transaction under an advisory lock, so gateways that start together neither race nor see a
/// half-made schema. Times are seconds since 1970 (`double precision`), as in the SQLite files,
/// so that a migrated state compares value for value.
enum PostgresSchema {
    static let migrations: [(name: String, statements: [String])] = [
        ("v1 audit log, answers, batch jobs", [
            // The audit log. `audit_head` is its one sequencing row: an append locks it `FOR UPDATE`,
            // reads the size, writes the batch and moves the size on, so appends from every gateway
            // form one tree (Tessera's sequencing table does the same).
            "CREATE TABLE audit_head (id integer PRIMARY KEY CHECK (id = 1), size bigint NOT NULL)",
            "INSERT INTO audit_head VALUES (1, 0)",
            "CREATE TABLE audit_entries (idx bigint PRIMARY KEY, data bytea NOT NULL, leaf_hash bytea NOT NULL)",
            "CREATE TABLE audit_nodes (level integer NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx))",
            "CREATE TABLE audit_checkpoints (size bigint PRIMARY KEY, note text NOT NULL)",
            // Answers and dispositions.
            """
            CREATE TABLE checks (check_id text PRIMARY KEY, client_id text NOT NULL, created_at double precision NOT NULL,
                                 answer bytea NOT NULL, receipt bytea NOT NULL)
            """,
            """
            CREATE TABLE dispositions (check_id text NOT NULL REFERENCES checks (check_id), sequence integer NOT NULL,
                                       disposition bytea NOT NULL, PRIMARY KEY (check_id, sequence))
            """,
            // Batch jobs, their input while they run, their results.
            """
            CREATE TABLE batches (
                batch_id text PRIMARY KEY, client_id text NOT NULL, fingerprint text NOT NULL, terms bytea NOT NULL,
                status text NOT NULL, total bigint NOT NULL, done bigint NOT NULL DEFAULT 0,
                errors bigint NOT NULL DEFAULT 0, clear bigint NOT NULL DEFAULT 0, review bigint NOT NULL DEFAULT 0,
                ineligible bigint NOT NULL DEFAULT 0, next_chunk integer NOT NULL DEFAULT 0, results_bytes bigint NOT NULL DEFAULT 0,
                created_at double precision NOT NULL, finished_at double precision, failure text, results_digest text,
                idempotency_key text, request_digest text, lease_owner text, lease_until double precision)
            """,
            "CREATE UNIQUE INDEX batches_idempotency ON batches (client_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
            "CREATE INDEX batches_unfinished ON batches (created_at) WHERE status IN ('queued', 'running')",
            "CREATE TABLE batch_input (batch_id text NOT NULL, chunk integer NOT NULL, lines bytea NOT NULL, PRIMARY KEY (batch_id, chunk))",
            "CREATE TABLE batch_results (batch_id text NOT NULL, chunk integer NOT NULL, lines bytea NOT NULL, PRIMARY KEY (batch_id, chunk))",
        ]),
    ]

    static func migrate(_ engine: PostgresEngine) async throws {
        let schema = engine.schema
        try await engine.transaction { connection in
            let lock = "creditgate.migrate.\(schema)"
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lock)))", logger: engine.logger)
            try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)", logger: engine.logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS creditgate_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                                       logger: engine.logger)
            var applied: Set<String> = []
            for try await name in try await connection.query("SELECT name FROM creditgate_migrations", logger: engine.logger).decode(String.self) {
                applied.insert(name)
            }
            for migration in migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: engine.logger)
                }
                try await connection.query("INSERT INTO creditgate_migrations (name) VALUES (\(migration.name))", logger: engine.logger)
            }
        }
    }
}
