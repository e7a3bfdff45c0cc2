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
