import Foundation
import GRDB
import SQLiteStorage
import ArchiveClient
import Attestation
import NIOCore
import PostgresNIO
import PostgresStorage
import Storage
import TestSupport
import Testing

/// A storage backend the behaviour suites run against: each suite is one set of tests, given every
/// backend as an argument.
enum StorageBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    /// Every backend this run reaches: PostgreSQL when the run was given a server
    /// (`Scripts/with-postgres swift test`; CI fails without one, see `PostgresAvailabilityTests`).
    static var allCases: [StorageBackend] { TestDatabase.url == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }
}

/// A schema of its own on the run's PostgreSQL server; each engine opened on it is another
/// gateway sharing the database, closed when the stores holding it are gone.
struct PostgresEngines: Sendable {
    let url: String

    init() throws {
        url = try #require(TestDatabase.freshSchemaURL())
    }

    func open() async throws -> PostgresEngine {
        try await PostgresEngine.open(url: url, maximumConnections: 6)
    }
}

/// An edit made behind the log's back, the way an intruder with database access would.
enum AuditForgery: Sendable {
    /// Replaces an entry's bytes, leaving its stored leaf hash.
    case replaceData(index: Int, with: [UInt8])
    /// Replaces an entry's bytes and its stored leaf hash to match.
    case replaceDataAndLeafHash(index: Int, with: [UInt8])
    case delete(index: Int)
}

/// Fresh stores on a backend.
struct StorageFixture: Sendable {
    let backend: StorageBackend
    let folder: URL
    let postgres: PostgresEngines?

    static func make(_ backend: StorageBackend) async throws -> StorageFixture {
        let folder = TemporaryFiles.url("storage")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return StorageFixture(backend: backend, folder: folder, postgres: backend == .postgres ? try PostgresEngines() : nil)
    }

    /// Each call opens the same answers again: another gateway sharing them.
    func answers() async throws -> any AnswerStore {
        switch backend {
        case .sqlite: try SQLiteAnswerStore(path: folder.appendingPathComponent("checks.sqlite").path)
        case .postgres: PostgresAnswerStore(try await engines.open())
        }
    }

    /// Each call opens the same repair requests again (on PostgreSQL: another gateway sharing them).
    func repairs() async throws -> any RepairStore {
        switch backend {
        case .sqlite: try SQLiteRepairStore(path: folder.appendingPathComponent("repairs.sqlite").path)
        case .postgres: PostgresRepairStore(try await engines.open())
        }
    }

    /// Each call opens the same archive again.
    func archive() async throws -> any ArchiveStore {
        switch backend {
        case .sqlite: try SQLiteArchive(path: folder.appendingPathComponent("archive.sqlite").path)
        case .postgres: try PostgresArchive(try await engines.open())
        }
    }

    /// Each call opens the same watches again: another gateway sharing them.
    func watches() async throws -> any WatchStore {
        switch backend {
        case .sqlite: try SQLiteWatchStore(path: folder.appendingPathComponent("watches.sqlite").path)
        case .postgres: PostgresWatchStore(try await engines.open())
        }
    }

    /// Each call opens the same jobs again: another gateway sharing them.
    func batchJobs() async throws -> any BatchJobStore {
        switch backend {
        case .sqlite: try SQLiteBatchJobStore(folder: folder.appendingPathComponent("batches"))
        case .postgres: PostgresBatchJobStore(try await engines.open())
        }
    }

    /// Each call opens the same log again: another writer.
    func auditLog() async throws -> any AuditLogStore {
        switch backend {
        case .sqlite: try SQLiteAuditLogStore(path: folder.appendingPathComponent("audit.sqlite").path)
        case .postgres: PostgresAuditLogStore(try await engines.open())
        }
    }

    private var engines: PostgresEngines {
        get throws { try #require(postgres) }
    }
}


/// One fresh audit log on a backend: `open` gives another writer on the same log each call.
struct AuditLogFixture: Sendable {
    let open: @Sendable () async throws -> any AuditLogStore
    let forge: @Sendable (AuditForgery) async throws -> Void

    static func make(_ backend: StorageBackend) async throws -> AuditLogFixture {
        let storage = try await StorageFixture.make(backend)
        switch backend {
        case .postgres:
            return AuditLogFixture(open: { try await storage.auditLog() }, forge: { forgery in
                let engine = try await #require(storage.postgres).open()
                switch forgery {
                case .replaceData(let index, let data):
                    try await engine.client.query("UPDATE audit_entries SET data = \(ByteBuffer(bytes: data)) WHERE idx = \(Int64(index))")
                case .replaceDataAndLeafHash(let index, let data):
                    try await engine.client.query("""
                        UPDATE audit_entries SET data = \(ByteBuffer(bytes: data)), leaf_hash = \(ByteBuffer(bytes: MerkleTree.leafHash(data)))
                        WHERE idx = \(Int64(index))
                        """)
                case .delete(let index):
                    try await engine.client.query("DELETE FROM audit_entries WHERE idx = \(Int64(index))")
                }
            })
        case .sqlite:
            let path = storage.folder.appendingPathComponent("audit.sqlite").path
            return AuditLogFixture(open: { try await storage.auditLog() }, forge: { forgery in
                let queue = try DatabaseQueue(path: path)
                try await queue.write { db in
                    switch forgery {
                    case .replaceData(let index, let data):
                        try db.execute(sql: "UPDATE entries SET data = ? WHERE idx = ?", arguments: [Data(data), index])
                    case .replaceDataAndLeafHash(let index, let data):
                        try db.execute(sql: "UPDATE entries SET data = ?, leaf_hash = ? WHERE idx = ?",
                                       arguments: [Data(data), Data(MerkleTree.leafHash(data)), index])
                    case .delete(let index):
                        try db.execute(sql: "DELETE FROM entries WHERE idx = ?", arguments: [index])
                    }
                }
            })
        }
    }
}
