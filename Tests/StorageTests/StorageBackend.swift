import Foundation
import GRDB
import SQLiteStorage
import ArchiveClient
import Attestation
import Storage
import TestSupport
import Testing

/// A storage backend the behaviour suites run against: each suite is one set of tests, given every
/// backend as an argument.
enum StorageBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite

    var testDescription: String { rawValue }
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

    static func make(_ backend: StorageBackend) async throws -> StorageFixture {
        let folder = TemporaryFiles.url("storage")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return StorageFixture(backend: backend, folder: folder)
    }

    func answers() async throws -> any AnswerStore {
        switch backend {
        case .sqlite: try SQLiteAnswerStore(path: folder.appendingPathComponent("checks.sqlite").path)
        }
    }

    /// Each call opens the same archive again.
    func archive() async throws -> any ArchiveStore {
        switch backend {
        case .sqlite: try SQLiteArchive(path: folder.appendingPathComponent("archive.sqlite").path)
        }
    }

    /// Each call opens the same jobs again: another gateway sharing them.
    func batchJobs() async throws -> any BatchJobStore {
        switch backend {
        case .sqlite: try SQLiteBatchJobStore(folder: folder.appendingPathComponent("batches"))
        }
    }
}

/// One fresh audit log on a backend: `open` gives another writer on the same log each call.
struct AuditLogFixture: Sendable {
    let open: @Sendable () async throws -> any AuditLogStore
    let forge: @Sendable (AuditForgery) async throws -> Void

    static func make(_ backend: StorageBackend) async throws -> AuditLogFixture {
        switch backend {
        case .sqlite:
            let path = TemporaryFiles.url("audit", extension: "sqlite").path
            return AuditLogFixture(open: { try SQLiteAuditLogStore(path: path) }, forge: { forgery in
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
