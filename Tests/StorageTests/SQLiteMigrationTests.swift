import Foundation
import GRDB
@testable import SQLiteStorage
import Storage
import Testing
import TestSupport

/// The SQLite files keep what earlier versions stored.
@Suite("SQLite migrations")
struct SQLiteMigrationTests {
    @Test func anAnswerStoreMadeByTheFirstVersionIsMovedToTheRowidTableWithNothingLost() async throws {
        let path = TemporaryFiles.url("checks-v1", extension: "sqlite").path
        let answer = Data(#"{"audit":{},"checkId":"chk_1","decision":"CLEAR"}"#.utf8)
        let receipt = Data(#"{"logIndex":7}"#.utf8)
        let disposition = Data(#"{"checkId":"chk_1","clientId":"bureau-1","operator":"hr.li","outcome":"confirmed","recordedAt":"2026-11-25T08:00:00Z","sequence":1}"#.utf8)
        // The first version's schema, as `creditgate` 0.x made it, with one answer and one disposition.
        let old = try DatabaseQueue(path: path)
        try await old.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('v1');
                CREATE TABLE checks (check_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, created_at REAL NOT NULL,
                                     answer BLOB NOT NULL, receipt BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE dispositions (check_id TEXT NOT NULL REFERENCES checks(check_id), sequence INTEGER NOT NULL,
                                           disposition BLOB NOT NULL, PRIMARY KEY (check_id, sequence)) WITHOUT ROWID;
                """)
            try db.execute(sql: "INSERT INTO checks VALUES ('chk_1', 'bureau-1', 0, ?, ?)", arguments: [answer, receipt])
            try db.execute(sql: "INSERT INTO dispositions VALUES ('chk_1', 1, ?)", arguments: [disposition])
        }
        try old.close()

        let store = try SQLiteAnswerStore(path: path)
        let stored = try #require(try await store.answer("chk_1"))
        #expect(stored.answer == StoredAnswer(checkID: "chk_1", clientID: "bureau-1", answer: answer, receipt: receipt))
        #expect(stored.dispositions == [disposition])
        let second = try await store.addDisposition(checkID: "chk_1") { Data("{\"sequence\":\($0)}".utf8) }
        #expect(second == Data(#"{"sequence":2}"#.utf8))
        let withoutRowid = try await store.database.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'checks'")
        }
        #expect(withoutRowid?.contains("WITHOUT ROWID") == false)
    }
}

extension SQLiteMigrationTests {
    /// Jobs of version 2 kept their input and results as files beside the database.
    @Test func batchJobFilesOfTheSecondVersionMoveIntoTheDatabase() async throws {
        let folder = TemporaryFiles.url("batches-v2")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let old = try DatabaseQueue(path: folder.appendingPathComponent("batches.sqlite").path)
        try SQLiteBatchJobStore.migrator(folder: folder).migrate(old, upTo: "v2 idempotency keys")
        let chunk = BatchJobRecord.chunkLines
        let inputLines = (0..<(chunk + 5)).map { "{\"idNumber\":\"in-\($0)\"}" }
        let resultLines = (0..<chunk).map { "{\"index\":\($0)}" }
        func insert(_ id: String, status: String, done: Int, resultsBytes: Int) throws {
            try old.write { db in
                try db.execute(sql: """
                    INSERT INTO batches (batch_id, client_id, fingerprint, terms, status, total, done, clear, results_bytes, created_at)
                    VALUES (?, 'bureau-1', 'ab', CAST('{}' AS BLOB), ?, ?, ?, ?, ?, 1800000000)
                    """, arguments: [id, status, chunk + 5, done, done, resultsBytes])
            }
        }
        // A running job one chunk in, whose results file has a half-written line past the committed length.
        let results = resultLines.map { $0 + "\n" }.joined()
        try Data((results + "{\"index\":20").utf8).write(to: folder.appendingPathComponent("bat_run.results.ndjson"))
        try Data(inputLines.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("bat_run.input.ndjson"))
        try insert("bat_run", status: "running", done: chunk, resultsBytes: results.utf8.count)
        // A running job stopped off a chunk boundary, and a finished one.
        try insert("bat_odd", status: "running", done: 3, resultsBytes: 0)
        try Data((results + resultLines[0] + "\n").utf8).write(to: folder.appendingPathComponent("bat_done.results.ndjson"))
        try insert("bat_done", status: "finished", done: chunk + 1, resultsBytes: results.utf8.count + resultLines[0].utf8.count + 1)
        try old.close()

        let store = try SQLiteBatchJobStore(folder: folder)
        let running = try #require(try await store.job("bat_run"))
        #expect(running.nextChunk == 1 && running.done == chunk)
        #expect(try await store.results("bat_run", chunk: 0) == Data(results.utf8))
        #expect(try await store.results("bat_run", chunk: 1) == nil)
        #expect(try await store.input("bat_run", chunk: 1).map { String(decoding: $0, as: UTF8.self) } == Array(inputLines[chunk...]))
        #expect(try await store.job("bat_odd")?.status == .failed)
        let finished = try #require(try await store.job("bat_done"))
        #expect(finished.nextChunk == 2, "its short last chunk is read too")
        #expect(try await store.results("bat_done", chunk: 1) == Data((resultLines[0] + "\n").utf8))
        #expect(try await store.input("bat_done", chunk: 0).isEmpty)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".ndjson") }
        #expect(left.isEmpty, "the old files are gone: \(left)")
    }
}
