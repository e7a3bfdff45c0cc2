import NIOCore
import PostgresNIO
import Storage

/// Writes copied tables into the shared database in one transaction, for `creditgate migrate`.
public struct PostgresTableWriter: Sendable {
    let engine: PostgresEngine

    public init(_ engine: PostgresEngine) {
        self.engine = engine
    }

    /// Whether the schema holds anything yet (an archive import, an audit entry, an answer, a job).
    public func isEmpty() async throws -> Bool {
        let rows = try await engine.query("""
            SELECT (SELECT size FROM audit_head WHERE id = 1) = 0 AND NOT EXISTS (SELECT 1 FROM imports)
                AND NOT EXISTS (SELECT 1 FROM checks) AND NOT EXISTS (SELECT 1 FROM batches)
            """)
        return try rows.first?.decode(Bool.self) ?? false
    }

    /// In one transaction: every table's rows (`read` gives them a page at a time, an empty page
    /// at the end), then the identity sequences, the audit log's size and the archive's head set from what was copied.
    /// Returns the rows copied per table.
    public func copy(
        _ tables: [TableCopy], read: @escaping @Sendable (TableCopy, Int) throws -> [[TableValue]]
    ) async throws -> [String: Int] {
        try await engine.transaction { [engine] connection in
            var counts: [String: Int] = [:]
            for table in tables {
                var copied = 0
                try await connection.copyFrom(table: table.target, columns: table.columns, logger: engine.logger) { writer in
                    var rows = CopyRows()
                    while case let page = try read(table, copied), !page.isEmpty {
                        for row in page {
                            for (index, value) in row.enumerated() {
                                let last = index == row.count - 1
                                switch value {
                                case .null: rows.integer(nil, last: last)
                                case .integer(let integer): rows.integer(integer, last: last)
                                case .real(let real): rows.text(String(real), last: last)
                                case .text(let text): rows.text(text, last: last)
                                case .blob(let bytes): rows.bytes(bytes, last: last)
                                }
                            }
                        }
                        copied += page.count
                        try await rows.flush(to: writer, atLeast: 1 << 20)
                    }
                    try await rows.flush(to: writer, atLeast: 0)
                }
                counts[table.target] = copied
            }
            for table in ["defaulter_events", "record_events"] {
                try await connection.query("""
                    SELECT setval(pg_get_serial_sequence(\(table), 'id'), GREATEST(COALESCE((SELECT MAX(id) FROM \(unescaped: table)), 0), 1))
                    """, logger: engine.logger)
            }
            try await connection.query("UPDATE audit_head SET size = (SELECT COUNT(*) FROM audit_entries) WHERE id = 1", logger: engine.logger)
            try await connection.query(PostgresQuery(unsafeSQL: PostgresArchive.recordHead), logger: engine.logger)
            return counts
        }
    }
}
