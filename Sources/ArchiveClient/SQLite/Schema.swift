import GRDB

/// The archive's tables. Every table is append-only: an import adds rows, nothing is updated or
/// deleted, and a state at any past day (and any past archive version) is folded from the events.
///
/// - `imports`: one row per import: the archive version (`seq`) and the content hash of its bytes.
/// - `defaulter_events`: one row per listing event. `entry_key` groups a listing's events;
///   `id_key` is a full ID as an integer (see `ResidentID.integerKey`); `probable_key` is the
///   `ProbableMatchKey` of a masked ID; `card_num` keeps the ID text only when it is masked or a
///   legacy 15-digit number (a full 18-digit ID is rebuilt from `id_key`).
/// - `mask_shapes`: the distinct mask shapes present, so a lookup computes one probable key per shape.
/// - `record_events`: dishonesty-record events; `record_key` groups a record's events.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE imports (
                    seq INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    source TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    format TEXT NOT NULL,
                    imported_at REAL NOT NULL,
                    accepted INTEGER NOT NULL,
                    rejected INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX imports_hash ON imports(kind, content_hash);
                CREATE TABLE defaulter_events (
                    id INTEGER PRIMARY KEY,
                    import_seq INTEGER NOT NULL,
                    op INTEGER NOT NULL,
                    effective_day INTEGER NOT NULL,
                    entry_key INTEGER NOT NULL,
                    id_key INTEGER,
                    probable_key INTEGER,
                    name TEXT NOT NULL,
                    card_num TEXT,
                    sex TEXT, age INTEGER, area TEXT,
                    case_code TEXT NOT NULL,
                    court TEXT, gist_id TEXT, gist_unit TEXT, duty TEXT,
                    performance TEXT, performed_part TEXT, unperformed_part TEXT, situation TEXT,
                    filed_day INTEGER, published_day INTEGER
                );
                CREATE TABLE mask_shapes (shape INTEGER PRIMARY KEY);
                CREATE TABLE record_events (
                    id INTEGER PRIMARY KEY,
                    import_seq INTEGER NOT NULL,
                    op INTEGER NOT NULL,
                    effective_day INTEGER NOT NULL,
                    record_key INTEGER NOT NULL,
                    record_id TEXT NOT NULL,
                    id_key INTEGER,
                    name TEXT, category TEXT, kind TEXT, sanction TEXT, severity TEXT,
                    decided_day INTEGER, effective_until_day INTEGER, permanent INTEGER,
                    issuer TEXT, document_number TEXT, summary TEXT
                );
                CREATE INDEX record_events_id ON record_events(id_key) WHERE id_key IS NOT NULL;
                CREATE INDEX record_events_record ON record_events(record_key);
                """)
            try createDefaulterIndexes(db)
        }
        return migrator
    }

    /// The lookup indexes of `defaulter_events`. A bulk import into an empty archive drops them and
    /// builds them once at the end (a sorted build is several times faster than ten million random
    /// inserts); both happen inside the import's transaction.
    static func createDefaulterIndexes(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX IF NOT EXISTS defaulter_events_id ON defaulter_events(id_key) WHERE id_key IS NOT NULL;
            CREATE INDEX IF NOT EXISTS defaulter_events_probable ON defaulter_events(probable_key) WHERE probable_key IS NOT NULL;
            CREATE INDEX IF NOT EXISTS defaulter_events_entry ON defaulter_events(entry_key);
            """)
    }

    static func dropDefaulterIndexes(_ db: Database) throws {
        try db.execute(sql: """
            DROP INDEX IF EXISTS defaulter_events_id;
            DROP INDEX IF EXISTS defaulter_events_probable;
            DROP INDEX IF EXISTS defaulter_events_entry;
            """)
    }
}
