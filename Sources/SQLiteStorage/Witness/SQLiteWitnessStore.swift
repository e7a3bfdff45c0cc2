import Attestation
import Foundation
import GRDB
import Storage

/// A witness's state in one SQLite file (`witness.sqlite`): synchronous=FULL, since a cosignature
/// must not be given for a state that a crash could roll back (C2SP tlog-witness).
public struct SQLiteWitnessStore: WitnessStore {
    let database: DatabaseQueue

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.label = "witness"
        // Another opener of the file (the witness's own reads, a test reading its refusals) waits for
        // a write in progress, as every other store's file does, rather than failing at once.
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        database = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE cosigned (origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL, note TEXT NOT NULL);
                CREATE TABLE refused (origin TEXT NOT NULL, note TEXT NOT NULL, reason TEXT NOT NULL, at REAL NOT NULL);
                """)
        }
        try migrator.migrate(database)
    }

    public func update(
        origin: String, submitted: String, _ decide: @escaping @Sendable (WitnessRule.Cosigned?) -> WitnessRule.Outcome
    ) async throws -> WitnessRule.Outcome {
        try await database.write { db in
            let outcome = decide(try Self.latest(db, origin: origin))
            switch outcome {
            case .cosigned(_, let now):
                try db.execute(sql: """
                    INSERT INTO cosigned (origin, size, root, note) VALUES (?, ?, ?, ?)
                    ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note
                    """, arguments: [origin, now.size, Data(now.rootHash), now.note])
            case .inconsistent(let reason):
                try db.execute(sql: "INSERT INTO refused (origin, note, reason, at) VALUES (?, ?, ?, ?)",
                               arguments: [origin, submitted, reason, Date().timeIntervalSince1970])
            default:
                break
            }
            return outcome
        }
    }

    public func latest(origin: String) async throws -> WitnessRule.Cosigned? {
        try await database.read { db in try Self.latest(db, origin: origin) }
    }

    /// Refusals kept as evidence, oldest first: (origin, reason).
    public func refusals() async throws -> [(origin: String, reason: String)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT origin, reason FROM refused ORDER BY rowid").map { ($0[0], $0[1]) }
        }
    }

    private static func latest(_ db: Database, origin: String) throws -> WitnessRule.Cosigned? {
        try Row.fetchOne(db, sql: "SELECT size, root, note FROM cosigned WHERE origin = ?", arguments: [origin]).map {
            WitnessRule.Cosigned(size: $0[0], rootHash: Array($0[1] as Data), note: $0[2])
        }
    }
}
