import Attestation
import Foundation
import NIOCore
import PostgresNIO
import Storage

/// Answers and dispositions in PostgreSQL: `GET /v1/checks/{id}` and dispositions work on every
/// gateway that shares the database.
///
/// Concurrent answers are stored together, one statement per group (``GroupCommit``). A check's
/// dispositions are serialised across gateways by a transaction-level advisory lock on the check
/// id, held from choosing the number to storing the row (it survives connection poolers, unlike
/// a session lock), and within one gateway by a lock of its own first.
public struct PostgresAnswerStore: AnswerStore {
    let engine: PostgresEngine
    private let commit: GroupCommit<StoredAnswer, Void>
    /// A check's dispositions wait their turn here before taking a connection: waiting on the
    /// advisory lock while holding one, fifty at once would hold the whole pool and leave none for
    /// the audit append of the one whose turn it is.
    private let dispositionLocks = KeyedLock()

    public init(_ engine: PostgresEngine) {
        self.engine = engine
        commit = GroupCommit { answers in
            let now = Date().timeIntervalSince1970
            try await engine.query("""
                INSERT INTO checks (check_id, client_id, created_at, answer, receipt)
                SELECT id, client, \(now), answer, receipt
                FROM unnest(\(answers.map(\.checkID))::text[], \(answers.map(\.clientID))::text[],
                            \(answers.map { ByteBuffer(data: $0.answer) })::bytea[], \(answers.map { ByteBuffer(data: $0.receipt) })::bytea[])
                    AS given (id, client, answer, receipt)
                """)
            return answers.map { _ in () }
        }
    }

    public func save(_ answers: [StoredAnswer]) async throws {
        _ = try await commit.submit(answers)
    }

    public func answer(_ checkID: String) async throws -> StoredCheck? {
        var answer: StoredAnswer?
        for (client, json, receipt) in try await engine.query("""
            SELECT client_id, answer, receipt FROM checks WHERE check_id = \(checkID)
            """).decode((String, ByteBuffer, ByteBuffer).self) {
            answer = StoredAnswer(checkID: checkID, clientID: client, answer: Data(buffer: json), receipt: Data(buffer: receipt))
        }
        guard let answer else { return nil }
        return StoredCheck(answer: answer, dispositions: try await dispositions(checkID))
    }

    public func dispositions(_ checkID: String) async throws -> [Data] {
        try await engine.query("""
            SELECT disposition FROM dispositions WHERE check_id = \(checkID) ORDER BY sequence
            """).decode(ByteBuffer.self).map { Data(buffer: $0) }
    }

    public func addDisposition(checkID: String, _ record: @escaping @Sendable (Int) async throws -> Data) async throws -> Data {
        try await dispositionLocks.withLock(checkID) { try await addDispositionAcrossGateways(checkID: checkID, record) }
    }

    private func addDispositionAcrossGateways(checkID: String, _ record: @escaping @Sendable (Int) async throws -> Data) async throws -> Data {
        try await engine.transaction { [engine] connection in
            let lock = "creditgate.disposition.\(checkID)"
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(lock), 0))", logger: engine.logger)
            var sequence = 1
            for try await next in try await connection.query("""
                SELECT COALESCE(MAX(sequence), 0) + 1 FROM dispositions WHERE check_id = \(checkID)
                """, logger: engine.logger).decode(Int32.self) { sequence = Int(next) }
            let disposition = try await record(sequence)
            try await connection.query("""
                INSERT INTO dispositions (check_id, sequence, disposition) VALUES (\(checkID), \(Int32(sequence)), \(ByteBuffer(data: disposition)))
                """, logger: engine.logger)
            return disposition
        }
    }
}
