import Foundation
import GRDB
import GatewayAPI

/// Answers given and the dispositions recorded on them (`checks.sqlite` in the state folder).
///
/// Append-only like the rest of the service: an answer is stored once, exactly as sent; a
/// disposition is a new row numbered after the check's earlier ones, never an update. The audit
/// log holds the durable, tamper-evident record; this store serves `GET /v1/checks/{id}`, so it
/// runs WAL with `synchronous = NORMAL`: a killed process loses nothing committed.
package struct CheckStore: Sendable {
    let database: DatabasePool

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
                    result BLOB NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE dispositions (
                    check_id TEXT NOT NULL REFERENCES checks(check_id),
                    sequence INTEGER NOT NULL,
                    disposition BLOB NOT NULL,
                    PRIMARY KEY (check_id, sequence)
                ) WITHOUT ROWID;
                """)
        }
        try migrator.migrate(database)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Stores answers in one transaction.
    func save(_ results: [Components.Schemas.CheckResult], clientID: String) async throws {
        let rows = try results.map { ($0.checkId, try Self.encoder.encode($0)) }
        let now = Date().timeIntervalSince1970
        try await database.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO checks (check_id, client_id, created_at, result) VALUES (?, ?, ?, ?)")
            for (id, json) in rows { try insert.execute(arguments: [id, clientID, now, json]) }
        }
    }

    /// The stored answer, the client it was given to, and its dispositions in order.
    func check(_ id: String) async throws -> (clientID: String, result: Components.Schemas.CheckResult, dispositions: [Components.Schemas.Disposition])? {
        let rows = try await database.read { db -> (String, Data, [Data])? in
            guard let row = try Row.fetchOne(db, sql: "SELECT client_id, result FROM checks WHERE check_id = ?", arguments: [id]) else { return nil }
            let dispositions = try Data.fetchAll(db, sql: "SELECT disposition FROM dispositions WHERE check_id = ? ORDER BY sequence", arguments: [id])
            return (row[0], row[1], dispositions)
        }
        guard let (client, result, dispositions) = rows else { return nil }
        return (client, try Self.decoder.decode(Components.Schemas.CheckResult.self, from: result),
                try dispositions.map { try Self.decoder.decode(Components.Schemas.Disposition.self, from: $0) })
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
