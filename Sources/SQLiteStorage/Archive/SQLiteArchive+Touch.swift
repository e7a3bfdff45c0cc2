import ArchiveClient
import GRDB

extension SQLiteArchive {
    public func touched(bySequence sequence: Int64) async throws -> ImportTouch {
        try await pool.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM imports WHERE seq = ?)", arguments: [sequence]) == true else {
                throw UnknownImport(sequence: sequence)
            }
            let listings = try Self.eventRange(db, table: "defaulter_events", sequence: sequence)
            let records = try Self.eventRange(db, table: "record_events", sequence: sequence)
            var keys = try Int64.fetchAll(db, sql: """
                SELECT DISTINCT match_key FROM defaulter_events
                WHERE entry_key IN (SELECT entry_key FROM defaulter_events WHERE id >= ? AND id < ?) AND match_key IS NOT NULL
                """, arguments: [listings.lowerBound, listings.upperBound])
            keys += try Int64.fetchAll(db, sql: """
                SELECT DISTINCT id_key FROM record_events
                WHERE record_key IN (SELECT record_key FROM record_events WHERE id >= ? AND id < ?) AND id_key IS NOT NULL
                """, arguments: [records.lowerBound, records.upperBound])
            return ImportTouch(sequence: sequence, keys: keys, shapes: try Self.maskShapes(db))
        }
    }

    public func maskShapes() async throws -> [UInt32] {
        try await pool.read { db in try Self.maskShapes(db) }
    }

    static func maskShapes(_ db: Database) throws -> [UInt32] {
        try Int64.fetchAll(db, sql: "SELECT shape FROM mask_shapes ORDER BY shape").map { UInt32(truncatingIfNeeded: $0) }
    }

    /// The ids of one import's events in `table`. Ids are given in import order, so `import_seq`
    /// never decreases as `id` grows: two binary searches over the primary key find the range,
    /// where a filter on `import_seq` (which has no index) would read every event.
    static func eventRange(_ db: Database, table: String, sequence: Int64) throws -> Range<Int64> {
        let last = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM \(table)") ?? 0
        let statement = try db.cachedStatement(sql: "SELECT import_seq FROM \(table) WHERE id >= ? ORDER BY id LIMIT 1")
        /// The lowest id from which every event belongs to import `target` or a later one.
        func start(of target: Int64) throws -> Int64 {
            var (low, high) = (Int64(1), last + 1)
            while low < high {
                let middle = low + (high - low) / 2
                if let found = try Int64.fetchOne(statement, arguments: [middle]), found < target { low = middle + 1 } else { high = middle }
            }
            return low
        }
        return try start(of: sequence)..<start(of: sequence + 1)
    }
}
