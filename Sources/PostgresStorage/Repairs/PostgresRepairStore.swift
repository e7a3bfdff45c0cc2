import Foundation
import NIOCore
import PostgresNIO
import Storage

/// Credit-repair requests in PostgreSQL, shared by every gateway. A record's changes are
/// serialised across gateways by a transaction-level advisory lock on the record id, held from
/// reading its requests to storing the new state (as dispositions are), and within one gateway by
/// a lock of its own first, so that waiters do not hold the pool's connections.
public struct PostgresRepairStore: RepairStore {
    let engine: PostgresEngine
    private let locks = KeyedLock()

    public init(_ engine: PostgresEngine) {
        self.engine = engine
    }

    public func change(recordID: String, _ next: @escaping @Sendable ([RepairRequest]) async throws -> RepairRequest) async throws -> RepairRequest {
        try await locks.withLock(recordID) {
            try await engine.transaction { [engine] connection in
                let lock = "creditgate.repair.\(recordID)"
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(lock), 0))", logger: engine.logger)
                let request = try await next(try await Self.requests([recordID], on: connection, engine.logger))
                let data = ByteBuffer(data: try request.encoded())
                try await connection.query("""
                    INSERT INTO repair_events (repair_id, revision, record_id, data)
                    VALUES (\(request.repairID), \(Int32(request.revision)), \(request.recordID), \(data))
                    """, logger: engine.logger)
                return request
            }
        }
    }

    public func request(_ repairID: String) async throws -> RepairRequest? {
        for data in try await engine.query("""
            SELECT data FROM repair_events WHERE repair_id = \(repairID) ORDER BY revision DESC LIMIT 1
            """).decode(ByteBuffer.self) {
            return try RepairRequest.decode(Data(buffer: data))
        }
        return nil
    }

    public func requests(recordIDs: [String]) async throws -> [RepairRequest] {
        guard !recordIDs.isEmpty else { return [] }
        return try await engine.connection { try await Self.requests(recordIDs, on: $0, engine.logger) }
    }

    private static func requests(_ recordIDs: [String], on connection: PostgresConnection, _ logger: Logger) async throws -> [RepairRequest] {
        var states: [RepairRequest] = []
        for try await data in try await connection.query("""
            SELECT data FROM repair_events WHERE record_id = ANY(\(recordIDs)::text[])
            """, logger: logger).decode(ByteBuffer.self) {
            states.append(try RepairRequest.decode(Data(buffer: data)))
        }
        return RepairRequest.latest(states)
    }
}
