import Foundation
import Attestation
import GRDB
import GatewayAPI

/// Answers given and the dispositions recorded on them (`checks.sqlite` in the state folder).
///
/// Append-only like the rest of the service: an answer is stored once, exactly as sent; a
/// disposition is a new row numbered after the check's earlier ones, never an update. The audit
/// log holds the durable, tamper-evident record; this store serves `GET /v1/checks/{id}`, so it
/// runs WAL with `synchronous = NORMAL`: a killed process loses nothing committed. Concurrent
/// answers are stored together, one transaction per group (``GroupCommit``).
///
/// An answer is kept as the JSON its audit digest was taken over (the receipt left empty) and the
/// receipt beside it, so the digest can be checked against the stored bytes and each answer is
/// encoded once.
package struct CheckStore: Sendable {
    let database: DatabasePool
    private let commit: GroupCommit<Row, Void>

    /// One answer to store.
    struct Row: Sendable {
        var checkID: String
        var clientID: String
        /// The answer with ``Components/Schemas/AuditReceipt/pending``.
        var answer: Data
        /// The receipt's JSON.
        var receipt: Data
    }

    package init(path: String) throws {
        var configuration = Configuration()
        configuration.label = "checks"
        database = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE checks (
                    check_id TEXT PRIMARY KEY,
                    client_id TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    answer BLOB NOT NULL,
                    receipt BLOB NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE dispositions (
                    check_id TEXT NOT NULL REFERENCES checks(check_id),
                    sequence INTEGER NOT NULL,
                    disposition BLOB NOT NULL,
                    PRIMARY KEY (check_id, sequence)
                ) WITHOUT ROWID;
                """)
        }
        // An answer with its receipt is 2–3 KB: too large for a WITHOUT ROWID table, whose rows
        // live in the key's B-tree (SQLite advises those for rows under ~1/20 of a page; storing
        // 10,000 answers took 1.4 s). A rowid table with a unique index on the id takes ~0.1 s.
        migrator.registerMigration("v2-rowid-checks") { db in
            try db.execute(sql: """
                CREATE TABLE checks_v2 (
                    check_id TEXT NOT NULL UNIQUE,
                    client_id TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    answer BLOB NOT NULL,
                    receipt BLOB NOT NULL
                );
                INSERT INTO checks_v2 (check_id, client_id, created_at, answer, receipt)
                    SELECT check_id, client_id, created_at, answer, receipt FROM checks ORDER BY check_id;
                DROP TABLE checks;
                ALTER TABLE checks_v2 RENAME TO checks;
                """)
        }
        try migrator.migrate(database)
        commit = GroupCommit { [database] rows in
            let now = Date().timeIntervalSince1970
            try await database.write { db in
                let insert = try db.cachedStatement(sql: "INSERT INTO checks (check_id, client_id, created_at, answer, receipt) VALUES (?, ?, ?, ?, ?)")
                for row in rows { try insert.execute(arguments: [row.checkID, row.clientID, now, row.answer, row.receipt]) }
            }
            return rows.map { _ in () }
        }
    }

    /// JSON as the generated server writes it (sorted keys, slashes as they are, ``AnswerDates``):
    /// for what is stored with `JSONEncoder`, and for benchmarks that encode answers as the server does.
    package static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        // The seconds the generated server sends (``AnswerDates``), not `.iso8601`'s rounding.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(CanonicalJSON.iso8601(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    package static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Stores answers; returns once they are committed.
    func save(_ rows: [Row]) async throws {
        _ = try await commit.submit(rows)
    }

    /// The stored answer, the client it was given to, and its dispositions in order.
    func check(_ id: String) async throws -> (clientID: String, result: Components.Schemas.CheckResult, dispositions: [Components.Schemas.Disposition])? {
        let rows = try await database.read { db -> (String, Data, Data, [Data])? in
            guard let row = try GRDB.Row.fetchOne(db, sql: "SELECT client_id, answer, receipt FROM checks WHERE check_id = ?", arguments: [id]) else { return nil }
            let dispositions = try Data.fetchAll(db, sql: "SELECT disposition FROM dispositions WHERE check_id = ? ORDER BY sequence", arguments: [id])
            return (row[0], row[1], row[2], dispositions)
        }
        guard let (client, answer, receipt, dispositions) = rows else { return nil }
        var result = try Self.decoder.decode(Components.Schemas.CheckResult.self, from: answer)
        result.audit = try Self.decoder.decode(Components.Schemas.AuditReceipt.self, from: receipt)
        return (client, result, try dispositions.map { try Self.decoder.decode(Components.Schemas.Disposition.self, from: $0) })
    }

    /// The next disposition number of a check (1 for the first).
    func nextDispositionSequence(_ id: String) async throws -> Int {
        try await database.read { db in
            (try Int.fetchOne(db, sql: "SELECT MAX(sequence) FROM dispositions WHERE check_id = ?", arguments: [id]) ?? 0) + 1
        }
    }

    /// Stores a disposition; fails if another was stored under the same number meanwhile.
    func save(_ disposition: Components.Schemas.Disposition) async throws {
        let json = try Self.encoder.encode(disposition)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO dispositions (check_id, sequence, disposition) VALUES (?, ?, ?)",
                           arguments: [disposition.checkId, disposition.sequence, json])
        }
    }
}
