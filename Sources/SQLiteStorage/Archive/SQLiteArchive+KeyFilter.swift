import ArchiveClient
import Foundation
import GRDB

extension SQLiteArchive {
    /// Brings the ``KeyFilter`` up to the reader's snapshot and returns its bits. One reader at a
    /// time reads keys (`keyReading`): at ten million listings the first read is seconds, and
    /// readers that arrive meanwhile wait for it rather than each reading everything.
    func filterBits(_ db: Database) throws -> KeyFilter.Bits {
        let marks = KeyFilter.Marks(
            defaulters: try RawStatement(db.cachedStatement(sql: "SELECT MAX(id) FROM defaulter_events")).firstInt64(db) ?? 0,
            records: try RawStatement(db.cachedStatement(sql: "SELECT MAX(id) FROM record_events")).firstInt64(db) ?? 0)
        guard keyFilter.keysToRead(for: marks) != nil else { return keyFilter.bits }
        return try keyReading.withLock {
            guard let range = keyFilter.keysToRead(for: marks) else { return keyFilter.bits }
            return keyFilter.add(try Self.keys(db, range), range)
        }
    }

    /// The keys in `range`. From the start, listing keys are read from the match index (a few
    /// hundred megabytes at 10M listings) rather than the events, which carry their published
    /// fields (3 GB).
    private static func keys(_ db: Database, _ range: KeyFilter.KeyRange) throws -> [Int64] {
        let listings = range.from.defaulters == 0
            ? "SELECT match_key FROM defaulter_events INDEXED BY defaulter_events_match WHERE match_key IS NOT NULL AND id > ?1 AND id <= ?2"
            : "SELECT match_key FROM defaulter_events WHERE id > ?1 AND id <= ?2 AND match_key IS NOT NULL"
        let records = "SELECT id_key FROM record_events WHERE id > ?1 AND id <= ?2 AND id_key IS NOT NULL"
        var keys: [Int64] = []
        for (sql, low, high) in [(listings, range.from.defaulters, range.to.defaulters), (records, range.from.records, range.to.records)] {
            let statement = RawStatement(try db.cachedStatement(sql: sql))
            statement.bind(1, low)
            statement.bind(2, high)
            try statement.forEachRow(db) { row in if let key = row.int64(0) { keys.append(key) } }
        }
        return keys
    }
}
