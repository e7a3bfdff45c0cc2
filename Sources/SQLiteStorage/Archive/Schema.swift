import ArchiveClient
import GRDB

/// The archive's tables. Every table is append-only: an import adds rows, nothing is updated or
/// deleted, and a state at any past day (and any past archive version) is folded from the events.
///
/// - `imports`: one row per import: the archive version (`seq`) and the content hash of its bytes.
/// - `defaulter_events`: one row per listing event. `entry_key` groups a listing's events;
///   `match_key` (see `MatchKey`) finds additions and corrections by full ID or by masked ID and
///   name. A full 18-digit ID is stored only as the match key. `detail` holds the event's published
///   fields (see `DetailCodec`), masked and legacy 15-digit numbers as published.
///
///   Version 1 kept `detail` in a table of its own, to keep this one narrow for index builds.
///   `Benchmarks/archive/sqlite-floor.sh` measured the opposite at 12M events: in one table an
///   import stores faster (one row written per event, not two) and a hit reads one row less.
/// - `texts`: interned repeated texts (court names, situations, ...) that `detail` refers to.
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
                    match_key INTEGER
                );
                CREATE TABLE defaulter_details (event_id INTEGER PRIMARY KEY, detail BLOB NOT NULL);
                CREATE TABLE texts (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
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
        migrator.registerMigration("v2 details inline") { db in
            try db.execute(sql: """
                CREATE TABLE defaulter_events_v2 (
                    id INTEGER PRIMARY KEY,
                    import_seq INTEGER NOT NULL,
                    op INTEGER NOT NULL,
                    effective_day INTEGER NOT NULL,
                    entry_key INTEGER NOT NULL,
                    match_key INTEGER,
                    detail BLOB NOT NULL
                );
                INSERT INTO defaulter_events_v2
                    SELECT e.id, e.import_seq, e.op, e.effective_day, e.entry_key, e.match_key, d.detail
                    FROM defaulter_events e JOIN defaulter_details d ON d.event_id = e.id ORDER BY e.id;
                DROP TABLE defaulter_details;
                DROP TABLE defaulter_events;
                ALTER TABLE defaulter_events_v2 RENAME TO defaulter_events;
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
            CREATE INDEX IF NOT EXISTS defaulter_events_match ON defaulter_events(match_key, entry_key) WHERE match_key IS NOT NULL;
            CREATE INDEX IF NOT EXISTS defaulter_events_entry ON defaulter_events(entry_key);
            """)
    }

    static func dropDefaulterIndexes(_ db: Database) throws {
        try db.execute(sql: """
            DROP INDEX IF EXISTS defaulter_events_match;
            DROP INDEX IF EXISTS defaulter_events_entry;
            """)
    }
}
