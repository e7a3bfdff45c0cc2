import ArchiveClient
import Foundation
import GRDB

/// The interned texts (`texts` table) in memory, indexed by id, shared by all lookups of an archive.
///
/// Lookups decode every hit's court, area, situation and other interned fields, so these must cost
/// an array index, not a query. Ids are never reassigned once committed and readers only see
/// committed rows, so the table is a cache that only grows: each lookup first adds the rows its
/// snapshot sees beyond the highest id already read, then uses an immutable copy without locking.
final class TextTable: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var texts: [String?] = [nil]
    private var highWater: Int64 = 0

    /// The texts as of the reader's snapshot (or later: extra ids are never referred to by it).
    func snapshot(_ db: Database) throws -> [String?] {
        let newest = try RawStatement(db.cachedStatement(sql: "SELECT MAX(id) FROM texts")).firstInt64(db) ?? 0
        lock.lock()
        defer { lock.unlock() }
        guard newest > highWater else { return texts }
        let rows = RawStatement(try db.cachedStatement(sql: "SELECT id, text FROM texts WHERE id > ?1 AND id <= ?2"))
        rows.bind(1, highWater)
        rows.bind(2, newest)
        try rows.forEachRow(db) { row in
            guard let id = row.int(0), id > 0, let text = row.string(1) else { return }
            if id >= texts.count { texts.append(contentsOf: repeatElement(nil, count: id - texts.count + 1)) }
            texts[id] = text
        }
        highWater = newest
        return texts
    }
}
