import Foundation
import GRDB
@testable import SQLiteStorage
import Testing
import TestSupport

/// A writer whose WAL is checkpointed beside it: the WAL starts over as with SQLite's own
/// checkpoint, and nothing written is lost.
@Suite("WAL checkpoints beside the writers")
struct WALCheckpointerTests {
    /// 20,000 commits of a page each put 80 MB through the WAL. Left to grow (no checkpoint, or
    /// one that never finishes the WAL while the writer keeps going), the WAL would hold them all.
    @Test func theWALStartsOverWhileAWriterKeepsWritingAndEveryRowIsKept() throws {
        let path = TemporaryFiles.url("wal-checkpoints", extension: "sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let checkpointer = try WALCheckpointer(path: path, label: "test", synchronous: "NORMAL")
        var configuration = Configuration()
        configuration.prepareDatabase { db in checkpointer.watch(db) }
        let database = try DatabaseQueue(path: path, configuration: configuration)
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "CREATE TABLE rows (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        }
        let rows = 20_000
        let page = Data(repeating: 7, count: 3000)
        var largestWAL = 0
        for id in 0..<rows {
            try database.write { db in try db.execute(sql: "INSERT INTO rows (id, data) VALUES (?, ?)", arguments: [id, page]) }
            if id % 500 == 0 { largestWAL = max(largestWAL, try Self.size(of: path + "-wal")) }
        }
        #expect(largestWAL < 40 << 20, "the WAL reached \(largestWAL >> 20) MiB")
        let reader = try DatabaseQueue(path: path)
        #expect(try reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM rows") } == rows)
    }

    /// `creditgate migrate` opens the stores (which brings their files up to date), lets them go
    /// and at once reads the files read-only. The checkpointer's connection closes after the
    /// store's, and the last to close locks the file for its final checkpoint: the reader waits for
    /// that instead of failing (most of these openings failed before it waited).
    @Test func aStoreLetGoLeavesItsFileToBeRead() throws {
        let folder = TemporaryFiles.url("wal-let-go")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (answers, audit) = (folder.appendingPathComponent("checks.sqlite").path, folder.appendingPathComponent("audit.sqlite").path)
        var refused = 0
        for _ in 0..<100 {
            _ = try SQLiteAnswerStore(path: answers)
            if (try? SQLiteTableReader(path: answers)) == nil { refused += 1 }
            _ = try SQLiteAuditLogStore(path: audit)
            if (try? SQLiteTableReader(path: audit)) == nil { refused += 1 }
        }
        #expect(refused == 0, "\(refused) of 200 openings failed")
    }

    private static func size(of file: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
    }
}
