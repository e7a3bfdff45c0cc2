import Attestation
import Foundation
import GRDB
import Storage

/// Answers and dispositions in one SQLite file (`checks.sqlite` in the state folder).
///
/// WAL with `synchronous = NORMAL`: the audit log holds the durable record, and a killed process
/// loses nothing committed. Concurrent answers are stored together, one transaction per group
/// (``GroupCommit``). Dispositions of one check are serialised within the process (the file
/// belongs to one gateway; gateways that share answers use PostgreSQL).
public struct SQLiteAnswerStore: AnswerStore {
    let database: DatabasePool
    private let commit: GroupCommit<StoredAnswer, Void>
    private let dispositionLocks = KeyedLock()

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.label = "checks"
        let checkpointer = try WALCheckpointer(path: path, label: "checks", synchronous: "NORMAL")
        configuration.prepareDatabase { db in checkpointer.watch(db) }
        database = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
        commit = GroupCommit { [database] answers in
            if answers.count <= Self.writeHereLimit {
                try Self.writeHere(answers, into: database)
            } else {
                try await database.write { db in try Self.insert(answers, in: db) }
            }
            return answers.map { _ in () }
        }
    }

    /// The most answers a group writes on the calling thread (the group commit's drain) rather than
    /// on GRDB's writer queue: a few single checks' answers are tens of microseconds to write, and
    /// the write syncs nothing (`synchronous = NORMAL`), less than the hop to the queue and back.
    /// An inline batch's thousands (megabytes) stay off Swift's cooperative threads.
    static let writeHereLimit = 64

    private static func writeHere(_ answers: [StoredAnswer], into database: DatabasePool) throws {
        try database.write { db in try insert(answers, in: db) }
    }

    private static func insert(_ answers: [StoredAnswer], in db: Database) throws {
        let now = Date().timeIntervalSince1970
        let insert = RawStatement(try db.cachedStatement(sql: "INSERT INTO checks (check_id, client_id, created_at, answer, receipt) VALUES (?, ?, ?, ?, ?)"))
        for answer in answers {
            insert.bind(1, answer.checkID)
            insert.bind(2, answer.clientID)
            insert.bind(3, now)
            insert.bind(4, blob: answer.answer)
            insert.bind(5, blob: answer.receipt)
            try insert.run(db)
        }
    }

    static var migrator: DatabaseMigrator {
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
        // A batch job's answers are stored in its result lines (see `BatchJobStore`), not here:
        // their dispositions refer to checks this file does not hold.
        migrator.registerMigration("v3 dispositions of job answers") { db in
            try db.execute(sql: """
                CREATE TABLE dispositions_v3 (
                    check_id TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    disposition BLOB NOT NULL,
                    PRIMARY KEY (check_id, sequence)
                ) WITHOUT ROWID;
                INSERT INTO dispositions_v3 SELECT check_id, sequence, disposition FROM dispositions;
                DROP TABLE dispositions;
                ALTER TABLE dispositions_v3 RENAME TO dispositions;
                """)
        }
        return migrator
    }

    public func save(_ answers: [StoredAnswer]) async throws {
        _ = try await commit.submit(answers)
    }

    public func answer(_ checkID: String) async throws -> StoredCheck? {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT client_id, answer, receipt FROM checks WHERE check_id = ?", arguments: [checkID]) else {
                return nil
            }
            return StoredCheck(answer: StoredAnswer(checkID: checkID, clientID: row[0], answer: row[1], receipt: row[2]),
                               dispositions: try Self.dispositions(checkID, in: db))
        }
    }

    public func dispositions(_ checkID: String) async throws -> [Data] {
        try await database.read { db in try Self.dispositions(checkID, in: db) }
    }

    private static func dispositions(_ checkID: String, in db: Database) throws -> [Data] {
        try Data.fetchAll(db, sql: "SELECT disposition FROM dispositions WHERE check_id = ? ORDER BY sequence", arguments: [checkID])
    }

    public func addDisposition(checkID: String, _ record: @escaping @Sendable (Int) async throws -> Data) async throws -> Data {
        try await dispositionLocks.withLock(checkID) {
            let sequence = try await database.read { db in
                (try Int.fetchOne(db, sql: "SELECT MAX(sequence) FROM dispositions WHERE check_id = ?", arguments: [checkID]) ?? 0) + 1
            }
            let disposition = try await record(sequence)
            try await database.write { db in
                try db.execute(sql: "INSERT INTO dispositions (check_id, sequence, disposition) VALUES (?, ?, ?)",
                               arguments: [checkID, sequence, disposition])
            }
            return disposition
        }
    }
}
