import Foundation
import GRDB
import Storage

/// Credit-repair requests in one SQLite file (`repairs.sqlite` in the state folder). A record's
/// changes are serialised within the process (the file belongs to one gateway; gateways that
/// share the archive use PostgreSQL), and a state is one row keyed by request and revision, so
/// a second decision of the same request cannot be stored.
public struct SQLiteRepairStore: RepairStore {
    let database: DatabasePool
    private let locks = KeyedLock()

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.label = "repairs"
        database = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE repair_events (
                    repair_id TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    record_id TEXT NOT NULL,
                    data BLOB NOT NULL,
                    PRIMARY KEY (repair_id, revision)
                );
                CREATE INDEX repair_events_record ON repair_events (record_id);
                """)
        }
        try migrator.migrate(database)
    }

    public func change(recordID: String, _ next: @escaping @Sendable ([RepairRequest]) async throws -> RepairRequest) async throws -> RepairRequest {
        try await locks.withLock(recordID) {
            let request = try await next(try await requests(recordIDs: [recordID]))
            let data = try request.encoded()
            try await database.write { db in
                try db.execute(sql: "INSERT INTO repair_events (repair_id, revision, record_id, data) VALUES (?, ?, ?, ?)",
                               arguments: [request.repairID, request.revision, request.recordID, data])
            }
            return request
        }
    }

    public func request(_ repairID: String) async throws -> RepairRequest? {
        try await database.read { db in
            try Data.fetchOne(db, sql: "SELECT data FROM repair_events WHERE repair_id = ? ORDER BY revision DESC LIMIT 1", arguments: [repairID])
        }.map(RepairRequest.decode)
    }

    public func requests(recordIDs: [String]) async throws -> [RepairRequest] {
        guard !recordIDs.isEmpty else { return [] }
        let rows = try await database.read { db in
            try Data.fetchAll(db, sql: "SELECT data FROM repair_events WHERE record_id IN (\(databaseQuestionMarks(count: recordIDs.count)))",
                              arguments: StatementArguments(recordIDs))
        }
        return RepairRequest.latest(try rows.map(RepairRequest.decode))
    }
}
