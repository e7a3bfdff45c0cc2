import Foundation
import GRDB
import Storage

/// Watches in one SQLite file (`watches.sqlite` in the state folder), WAL with `synchronous =
/// FULL`: a committed screening step, and the events it queued, survive power loss.
///
/// - `watches`: one row per watch (person while active, terms, latest decision, `recheck_on`);
/// - `watch_keys(key, watch_id)`: the archive index keys each active watch is filed under;
/// - `watch_events`: every event, its `cursor` the row id (`AUTOINCREMENT`: never reused);
/// - `watch_screening`: the one progress row and its lease.
///
/// Ended watches' IDs are deleted with `secure_delete` on, as batch inputs are.
public struct SQLiteWatchStore: WatchStore {
    let database: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.label = "watches"
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        database = try DatabasePool(path: path, configuration: configuration)
        try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE watches (
                    watch_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, fingerprint TEXT NOT NULL, recruitment_id TEXT NOT NULL,
                    terms BLOB NOT NULL, name TEXT, id_number TEXT, masked_id TEXT NOT NULL, reference TEXT,
                    until_day INTEGER NOT NULL, status TEXT NOT NULL, decision TEXT NOT NULL, check_id TEXT NOT NULL,
                    checked_seq INTEGER NOT NULL, recheck_on INTEGER, created_at REAL NOT NULL, ended_at REAL
                ) WITHOUT ROWID;
                CREATE INDEX watches_client ON watches (client_id, watch_id);
                CREATE INDEX watches_recruitment ON watches (recruitment_id, watch_id);
                CREATE INDEX watches_due ON watches (recheck_on, watch_id) WHERE status = 'active' AND recheck_on IS NOT NULL;
                CREATE INDEX watches_until ON watches (until_day) WHERE status = 'active';
                CREATE TABLE watch_keys (key INTEGER NOT NULL, watch_id TEXT NOT NULL, PRIMARY KEY (key, watch_id)) WITHOUT ROWID;
                CREATE INDEX watch_keys_watch ON watch_keys (watch_id);
                CREATE TABLE watch_events (
                    cursor INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, watch_id TEXT NOT NULL,
                    client_id TEXT NOT NULL, type TEXT NOT NULL, payload BLOB NOT NULL, created_at REAL NOT NULL
                );
                CREATE INDEX watch_events_client ON watch_events (client_id, cursor);
                CREATE TABLE watch_screening (
                    id INTEGER PRIMARY KEY CHECK (id = 1), sequence INTEGER NOT NULL, shapes TEXT NOT NULL, rekey_after TEXT,
                    lease_owner TEXT, lease_until REAL
                );
                INSERT INTO watch_screening (id, sequence, shapes) VALUES (1, 0, '');
                """)
        }
        migrator.registerMigration("v2 webhooks") { db in
            try db.execute(sql: """
                ALTER TABLE watches ADD COLUMN endpoint_id TEXT;
                CREATE TABLE webhook_endpoints (
                    endpoint_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, url TEXT NOT NULL, ca_bundle TEXT NOT NULL, secret TEXT NOT NULL,
                    previous_secret TEXT, previous_until REAL, status TEXT NOT NULL, created_at REAL NOT NULL, disabled_at REAL,
                    disabled_reason TEXT
                ) WITHOUT ROWID;
                CREATE INDEX webhook_endpoints_client ON webhook_endpoints (client_id, endpoint_id);
                CREATE TABLE webhook_deliveries (
                    event_cursor INTEGER NOT NULL, endpoint_id TEXT NOT NULL, watch_id TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                    status TEXT NOT NULL, next_at REAL NOT NULL, lease_owner TEXT, lease_until REAL, last_status INTEGER, last_error TEXT,
                    PRIMARY KEY (event_cursor, endpoint_id)
                ) WITHOUT ROWID;
                CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';
                CREATE INDEX webhook_deliveries_watch ON webhook_deliveries (watch_id, endpoint_id, event_cursor) WHERE status = 'pending';
                """)
        }
        try migrator.migrate(database)
    }

    public func shapes() async throws -> [UInt32] {
        try await database.read { db in try Self.progress(db).shapes }
    }

    public func create(_ watches: [WatchRecord], keys: [[Int64]], shapes: [UInt32], catchUpDay: Int) async throws {
        try await database.write { db in
            let progress = try Self.progress(db)
            guard progress.shapes == shapes else { throw WatchShapesChanged() }
            let insert = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO watches (watch_id, client_id, fingerprint, recruitment_id, terms, name, id_number, masked_id, reference,
                                     endpoint_id, until_day, status, decision, check_id, checked_seq, recheck_on, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let file = try db.makeStatement(sql: "INSERT OR IGNORE INTO watch_keys (key, watch_id) VALUES (?, ?)")
            for (watch, keys) in zip(watches, keys) {
                // Checked before an import the screener has passed: due now, so the next step catches it up.
                let recheckOn = watch.checkedSequence < progress.sequence ? min(watch.recheckOn ?? catchUpDay, catchUpDay) : watch.recheckOn
                try insert.execute(arguments: [
                    watch.id, watch.clientID, watch.fingerprint, watch.recruitmentID, watch.termsJSON, watch.name, watch.idNumber,
                    watch.maskedID, watch.reference, watch.endpointID, watch.until, watch.status.rawValue, watch.decision, watch.checkID,
                    watch.checkedSequence, recheckOn, watch.createdAt.timeIntervalSince1970,
                ])
                for key in keys { try file.execute(arguments: [key, watch.id]) }
            }
        }
    }

    public func watch(_ id: String) async throws -> WatchRecord? {
        try await database.read { db in try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM watches WHERE watch_id = ?", arguments: [id]).map(Self.watch) }
    }

    public func watches(clientID: String?, recruitmentID: String?, after: String?, limit: Int) async throws -> [WatchRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.columns) FROM watches WHERE (?1 IS NULL OR client_id = ?1) AND (?2 IS NULL OR recruitment_id = ?2) AND watch_id > ?3
                ORDER BY watch_id LIMIT ?4
                """, arguments: [clientID, recruitmentID, after ?? "", limit]).map(Self.watch)
        }
    }

    public func end(_ id: String, as status: WatchRecord.Status, at time: Date) async throws -> WatchRecord? {
        try await database.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM watches WHERE watch_id = ? AND status = 'active')", arguments: [id]) == true
            else { return nil }
            try Self.end(db, ids: [id], status: status, at: time)
            return try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM watches WHERE watch_id = ?", arguments: [id]).map(Self.watch)
        }
    }

    public func expire(before day: Int, at time: Date) async throws -> [WatchRecord] {
        try await database.write { db in
            let ids = try String.fetchAll(db, sql: "SELECT watch_id FROM watches WHERE status = 'active' AND until_day < ?", arguments: [day])
            try Self.end(db, ids: ids, status: .expired, at: time)
            return try ids.compactMap { try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM watches WHERE watch_id = ?", arguments: [$0]).map(Self.watch) }
        }
    }

    public func watching(keys: [Int64], checkedBefore sequence: Int64) async throws -> [WatchRecord] {
        // The keys go in as one JSON array: an import touches hundreds of thousands, and SQLite
        // probes the key index for each inside one statement (a statement per key cost ~15 µs each).
        let list = "[" + Set(keys).map(String.init).joined(separator: ",") + "]"
        return try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.columns) FROM watches
                WHERE watch_id IN (SELECT k.watch_id FROM json_each(?) j JOIN watch_keys k ON k.key = j.value)
                  AND status = 'active' AND checked_seq < ?
                ORDER BY watch_id
                """, arguments: [list, sequence]).map(Self.watch)
        }
    }

    public func due(on day: Int, after: DuePosition?, limit: Int) async throws -> [WatchRecord] {
        let from = after ?? .start
        return try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.columns) FROM watches
                WHERE status = 'active' AND recheck_on IS NOT NULL AND recheck_on <= ? AND (recheck_on, watch_id) > (?, ?)
                ORDER BY recheck_on, watch_id LIMIT ?
                """, arguments: [day, from.day, from.watchID, limit]).map(Self.watch)
        }
    }

    public func active(after: String?, limit: Int) async throws -> [WatchRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.columns) FROM watches WHERE status = 'active' AND watch_id > ? ORDER BY watch_id LIMIT ?",
                             arguments: [after ?? "", limit]).map(Self.watch)
        }
    }

    public func addKeys(_ keys: [WatchKey]) async throws {
        try await database.write { db in
            let file = try db.makeStatement(sql: "INSERT OR IGNORE INTO watch_keys (key, watch_id) VALUES (?, ?)")
            for key in keys { try file.execute(arguments: [key.key, key.watchID]) }
        }
    }

    public func claimScreening(owner: String, now: Date, until: Date) async throws -> ScreeningProgress? {
        try await database.write { db in
            try db.execute(sql: """
                UPDATE watch_screening SET lease_owner = ?, lease_until = ?
                WHERE id = 1 AND (lease_owner IS NULL OR lease_owner = ? OR lease_until <= ?)
                """, arguments: [owner, until.timeIntervalSince1970, owner, now.timeIntervalSince1970])
            return db.changesCount == 1 ? try Self.progress(db) : nil
        }
    }

    public func commitScreening(_ rechecks: [WatchRecheck], events: [WatchEvent], progress: ScreeningProgress, owner: String, until: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE watch_screening SET sequence = ?, shapes = ?, rekey_after = ?, lease_until = ? WHERE id = 1 AND lease_owner = ?",
                           arguments: [progress.sequence, Self.text(progress.shapes), progress.rekeyAfter, until.timeIntervalSince1970, owner])
            guard db.changesCount == 1 else { throw ScreeningLeaseLost() }
            let update = try db.makeStatement(sql: """
                UPDATE watches SET decision = ?, check_id = ?, checked_seq = ?, recheck_on = ? WHERE watch_id = ? AND status = 'active'
                """)
            for recheck in rechecks {
                try update.execute(arguments: [recheck.decision, recheck.checkID, recheck.checkedSequence, recheck.recheckOn, recheck.watchID])
            }
            let insert = try db.makeStatement(sql: """
                INSERT INTO watch_events (event_id, watch_id, client_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """)
            // The outbox: a delivery beside each event whose watch has an active endpoint.
            let queue = try db.makeStatement(sql: """
                INSERT INTO webhook_deliveries (event_cursor, endpoint_id, watch_id, status, next_at)
                SELECT ?, endpoint_id, ?, 'pending', ? FROM webhook_endpoints WHERE endpoint_id = ? AND status = 'active'
                """)
            for event in events {
                try insert.execute(arguments: [event.id, event.watchID, event.clientID, event.type, event.payload, event.createdAt.timeIntervalSince1970])
                if let endpoint = event.endpointID {
                    try queue.execute(arguments: [db.lastInsertedRowID, event.watchID, event.createdAt.timeIntervalSince1970, endpoint])
                }
            }
        }
    }

    public func releaseScreening(owner: String) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE watch_screening SET lease_owner = NULL, lease_until = NULL WHERE id = 1 AND lease_owner = ?", arguments: [owner])
        }
    }

    public func events(clientID: String?, after: Int64, limit: Int) async throws -> [WatchEvent] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM watch_events WHERE (?1 IS NULL OR client_id = ?1) AND cursor > ?2 ORDER BY cursor LIMIT ?3
                """, arguments: [clientID, after, limit]).map {
                WatchEvent(cursor: $0["cursor"], id: $0["event_id"], watchID: $0["watch_id"], clientID: $0["client_id"], type: $0["type"],
                           payload: $0["payload"], createdAt: Date(timeIntervalSince1970: $0["created_at"]))
            }
        }
    }

    /// Ends watches: status and time set, the person's data and keys deleted.
    private static func end(_ db: Database, ids: [String], status: WatchRecord.Status, at time: Date) throws {
        for id in ids {
            try db.execute(sql: """
                UPDATE watches SET status = ?, ended_at = ?, name = NULL, id_number = NULL, recheck_on = NULL WHERE watch_id = ?
                """, arguments: [status.rawValue, time.timeIntervalSince1970, id])
            try db.execute(sql: "DELETE FROM watch_keys WHERE watch_id = ?", arguments: [id])
        }
    }

    private static func progress(_ db: Database) throws -> ScreeningProgress {
        let row = try Row.fetchOne(db, sql: "SELECT sequence, shapes, rekey_after FROM watch_screening WHERE id = 1")
        let shapes: String = row?["shapes"] ?? ""
        return ScreeningProgress(sequence: row?["sequence"] ?? 0, shapes: shapes.split(separator: ",").compactMap { UInt32($0) },
                                 rekeyAfter: row?["rekey_after"])
    }

    private static func text(_ shapes: [UInt32]) -> String {
        shapes.map(String.init).joined(separator: ",")
    }

    /// The columns ``watch(_:)`` decodes, in its order: by position, as a sweep reads a million rows and
    /// a lookup by name costs more than the rest of the row.
    private static let columnNames = [
        "watch_id", "client_id", "fingerprint", "recruitment_id", "terms", "name", "id_number", "masked_id", "reference", "endpoint_id",
        "until_day", "status", "decision", "check_id", "checked_seq", "recheck_on", "created_at", "ended_at",
    ]
    static let columns = columnNames.joined(separator: ", ")

    static func watch(_ row: Row) -> WatchRecord {
        WatchRecord(
            id: row[0], clientID: row[1], fingerprint: row[2], recruitmentID: row[3], termsJSON: row[4], name: row[5], idNumber: row[6],
            maskedID: row[7], reference: row[8], endpointID: row[9], until: row[10], status: WatchRecord.Status(rawValue: row[11]) ?? .ended,
            decision: row[12], checkID: row[13], checkedSequence: row[14], recheckOn: row[15], createdAt: Date(timeIntervalSince1970: row[16]),
            endedAt: (row[17] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
