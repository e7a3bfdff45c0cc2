import Foundation
import GRDB
import Storage

/// Reads a table of one of the SQLite files a page at a time, for `creditgate migrate`.
public struct SQLiteTableReader: Sendable {
    let database: DatabaseQueue

    /// Opens an existing file read-only; `nil` when there is none.
    public init?(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        // A store just let go may still be closing its connections (the last to close locks the
        // file for its final checkpoint): wait for it, as every other connection of ours does.
        configuration.busyMode = .timeout(30)
        database = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Rows of `table` in `order`, `limit` at a time from `offset`.
    public func rows(_ table: TableCopy, offset: Int, limit: Int) throws -> [[TableValue]] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT \(table.columns.joined(separator: ", ")) FROM \(table.source) ORDER BY \(table.order) LIMIT ? OFFSET ?",
                             arguments: [limit, offset])
                .map { row in
                    (0..<row.count).map { index in
                        switch row[index] as DatabaseValue {
                        case let value where value.isNull: .null
                        case let value: switch value.storage {
                            case .int64(let integer): .integer(integer)
                            case .double(let real): .real(real)
                            case .string(let text): .text(text)
                            case .blob(let data): .blob(Array(data))
                            case .null: .null
                        }
                        }
                    }
                }
        }
    }
}
