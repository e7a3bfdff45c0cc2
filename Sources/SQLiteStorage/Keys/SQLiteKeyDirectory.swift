import Attestation
import Foundation
import GRDB
import Storage

/// Published keys in a SQLite file (`published-keys.sqlite` in the state folder).
public struct SQLiteKeyDirectory: KeyDirectory {
    let database: DatabaseQueue

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.label = "published-keys"
        configuration.busyMode = .timeout(30)
        database = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: "CREATE TABLE published_keys (kid TEXT PRIMARY KEY, jwk BLOB NOT NULL, published_at REAL NOT NULL)")
        }
        try migrator.migrate(database)
    }

    public func publish(_ keys: [JWK]) async throws {
        let rows = try keys.map { ($0.thumbprint, try PublishedKeys.json($0)) }
        try await database.write { db in
            for (kid, json) in rows {
                try db.execute(sql: "INSERT OR IGNORE INTO published_keys (kid, jwk, published_at) VALUES (?, ?, ?)",
                               arguments: [kid, json, Date().timeIntervalSince1970])
            }
        }
    }

    public func publishedKeys() async throws -> [JWK] {
        try await database.read { db in
            try Data.fetchAll(db, sql: "SELECT jwk FROM published_keys ORDER BY published_at, kid").map(PublishedKeys.jwk)
        }
    }
}
