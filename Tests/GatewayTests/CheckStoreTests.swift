import Attestation
import Foundation
@testable import Gateway
import GatewayAPI
import GRDB
import Testing
import TestSupport

/// The store of answers keeps what earlier versions stored.
@Suite("Check store")
struct CheckStoreTests {
    @Test func aStoreMadeByTheFirstVersionIsMovedToTheRowidTableWithNothingLost() async throws {
        let path = TemporaryFiles.url("checks-v1", extension: "sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let answer = CanonicalJSON.encode(AnswerJSONTests.result("张三", optionals: true))
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
            try db.execute(sql: "INSERT INTO checks VALUES ('chk_1', 'bureau-1', 0, ?, ?)",
                           arguments: [answer, CanonicalJSON.encode(AnswerJSONTests.result("x", optionals: false).audit)])
            try db.execute(sql: "INSERT INTO dispositions VALUES ('chk_1', 1, ?)",
                           arguments: [Data(#"{"checkId":"chk_1","clientId":"bureau-1","operator":"hr.li","outcome":"confirmed","recordedAt":"2026-11-25T08:00:00Z","sequence":1}"#.utf8)])
        }
        try old.close()

        let store = try CheckStore(path: path)
        let stored = try #require(try await store.check("chk_1"))
        #expect(stored.clientID == "bureau-1")
        #expect(stored.result.checkId == AnswerJSONTests.result("张三", optionals: true).checkId)
        #expect(stored.dispositions.map(\.outcome) == [.confirmed])
        #expect(try await store.nextDispositionSequence("chk_1") == 2)
        let withoutRowid = try await store.database.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'checks'")
        }
        #expect(withoutRowid?.contains("WITHOUT ROWID") == false)
    }
}
