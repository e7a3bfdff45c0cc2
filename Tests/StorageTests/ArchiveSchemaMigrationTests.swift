@testable import ArchiveClient
@testable import SQLiteStorage
import CreditCore
import Foundation
import GRDB
import PostgresNIO
import TestSupport
import Testing

@Suite("Archive schema migrations")
struct SchemaMigrationTests {
    /// An archive written by version 1 (each event's published fields in a table of their own) keeps
    /// every event byte for byte and answers the same lookups once it has moved them inline.
    @Test func versionOneArchiveMovesDetailsInlineAndAnswersTheSame() async throws {
        let t = try await TestArchive()
        _ = try await t.archive.importDefaulters(from: try t.file("feed.ndjson", DefaulterImportTests.feed), options: .init())
        let currentPath = t.folder.appendingPathComponent("archive.sqlite").path
        let oldPath = t.folder.appendingPathComponent("v1.sqlite").path
        let events = try Self.events(currentPath)
        #expect(events.count == 8)
        try Self.writeAsVersionOne(from: currentPath, to: oldPath)

        let migrated = try SQLiteArchive(path: oldPath)
        #expect(try Self.events(oldPath) == events)
        #expect(try Self.tableExists("defaulter_details", oldPath) == false)
        let candidates = [
            try TestArchive.candidate("张三", "11010519491231002X"), try TestArchive.candidate("李四", "430102198001010011"),
            try TestArchive.candidate("王五", "440106198510101234"), try TestArchive.candidate("赵六", "342301196403153221"),
        ]
        for day in ["2020-01-20", "2021-07-01", "2022-03-01", "2024-06-01"] {
            let asOf = try TestArchive.day(day)
            let expected = try await t.archive.lookup(candidates, asOf: asOf)
            #expect(expected.findings.contains { !$0.hits.isEmpty })
            let answered = try await migrated.lookup(candidates, asOf: asOf)
            #expect(answered.version == expected.version)
            #expect(answered.findings == expected.findings)
        }
    }

    /// A PostgreSQL archive written before imports recorded their head: the migration that adds
    /// it fills the newest import's, and lookups (which start from it) answer as before.
    @Test(.enabled(if: TestDatabase.url != nil, "needs PostgreSQL (Scripts/with-postgres swift test)"))
    func postgresArchiveWithoutHeadsGetsTheNewestFilled() async throws {
        let t = try await TestArchive(.postgres)
        _ = try await t.archive.importDefaulters(from: try t.file("feed.ndjson", DefaulterImportTests.feed), options: .init())
        let zhang = try TestArchive.candidate("张三", "11010519491231002X")
        let expected = try await t.archive.lookup([zhang], asOf: try TestArchive.day("2021-07-01"))
        #expect(expected.findings[0].defaulterMatches.count == 2)
        let engine = try await #require(t.fixture.postgres).open()
        _ = try await engine.client.query("ALTER TABLE imports DROP COLUMN defaulter_high, DROP COLUMN record_high, DROP COLUMN newest_text, DROP COLUMN shapes")
        _ = try await engine.client.query("DELETE FROM creditgate_migrations WHERE name = 'v4 archive head'")
        await engine.close()

        let migrated = try await t.reopen()
        let answered = try await migrated.lookup([zhang], asOf: try TestArchive.day("2021-07-01"))
        #expect(answered.version == expected.version)
        #expect(answered.findings == expected.findings)
    }

    static func events(_ path: String) throws -> [Row] {
        try DatabaseQueue(path: path).read { db in try Row.fetchAll(db, sql: "SELECT * FROM defaulter_events ORDER BY id") }
    }

    static func tableExists(_ table: String, _ path: String) throws -> Bool {
        try DatabaseQueue(path: path).read { db in try db.tableExists(table) }
    }

    /// Copies the archive at `source` into a new file laid out as version 1 wrote it.
    static func writeAsVersionOne(from source: String, to path: String) throws {
        let current = try DatabaseQueue(path: source)
        let old = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(old, upTo: "v1")
        try current.read { from in
            try old.write { db in
                for table in ["imports", "texts", "mask_shapes"] {
                    for row in try Row.fetchAll(from, sql: "SELECT * FROM \(table)") {
                        let columns = Array(row.columnNames)
                        try db.execute(
                            sql: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
                            arguments: StatementArguments(columns.map { row[$0] as DatabaseValue }))
                    }
                }
                for event in try Row.fetchAll(from, sql: "SELECT * FROM defaulter_events") {
                    try db.execute(
                        sql: "INSERT INTO defaulter_events (id, import_seq, op, effective_day, entry_key, match_key) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [event["id"], event["import_seq"], event["op"], event["effective_day"], event["entry_key"], event["match_key"]])
                    try db.execute(sql: "INSERT INTO defaulter_details (event_id, detail) VALUES (?, ?)", arguments: [event["id"], event["detail"]])
                }
            }
        }
        try old.close()
    }
}
