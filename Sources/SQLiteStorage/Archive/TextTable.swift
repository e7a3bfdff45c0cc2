import ArchiveClient
import Foundation
import GRDB

extension TextCache {
    /// The texts as of the reader's snapshot, reading only the rows the cache lacks.
    func snapshot(_ db: Database) throws -> [String?] {
        let newest = try RawStatement(db.cachedStatement(sql: "SELECT MAX(id) FROM texts")).firstInt64(db) ?? 0
        if let missing = missing(upTo: newest) {
            let rows = RawStatement(try db.cachedStatement(sql: "SELECT id, text FROM texts WHERE id >= ?1 AND id <= ?2"))
            rows.bind(1, missing.lowerBound)
            rows.bind(2, missing.upperBound)
            var read: [(id: Int64, text: String)] = []
            try rows.forEachRow(db) { row in
                if let id = row.int64(0), let text = row.string(1) { read.append((id, text)) }
            }
            add(read, upTo: newest)
        }
        return texts
    }
}
